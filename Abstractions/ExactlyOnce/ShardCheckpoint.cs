using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Abstractions.ExactlyOnce;

/// <summary>A shard's checkpoint: every record up to <see cref="Position"/> is durable in every partition, or the whole shard (<see cref="Ended"/>).</summary>
/// <param name="Position">Null with <see cref="Ended"/> false: the shard's origin (nothing checkpointed yet).</param>
public readonly record struct ShardCheckpoint(Position? Position, bool Ended)
{
    /// <summary>
    /// Rule 8: a checkpoint only moves forward. A replay from an earlier position (a partition's gap) reports
    /// positions behind the written checkpoint; writing them would make the next reader re-read from there for no
    /// reason, and SHARD_END, once written, lets the children start. The origin is after nothing.
    /// </summary>
    public bool IsAfter(ShardCheckpoint? written) =>
        (Ended || Position is not null)
        && (written is not { } w || !w.Ended && (Ended || w.Position is not { } wp || Position > wp));
}
