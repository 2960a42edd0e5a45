using System.Text.Json.Serialization;

namespace KinesisGrains.Cli.Savepoints;

/// <summary>
/// What a savepoint is: for every partition of every state, the committed snapshot it pinned (and the shard positions
/// that snapshot covers), and for every shard, where reading starts again after a restore. Stored as JSON in S3 next to
/// the snapshots (<c>{prefix}/savepoints/{name}.json</c>), written last: a descriptor that exists names only pinned
/// snapshots.
/// </summary>
internal sealed record SavepointDescriptor
{
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public required string Name { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string Application { get; init; }

    public required string StreamName { get; init; }

    public required string StreamArn { get; init; }

    /// <summary>The stream's creation time in Unix milliseconds: its incarnation.</summary>
    public required long StreamCreatedAt { get; init; }

    public required string Bucket { get; init; }

    /// <summary>The resolved S3 prefix of the snapshots (application and incarnation included).</summary>
    public required string Prefix { get; init; }

    /// <summary>Grains:PartitionCount when the savepoint was taken.</summary>
    public required int PartitionCount { get; init; }

    public required IReadOnlyList<SavepointPartition> Partitions { get; init; }

    public required IReadOnlyList<SavepointShard> Shards { get; init; }

    /// <summary>The silos whose forced checkpoint cycle the savepoint was taken after; null when no silo ran (or --no-barrier).</summary>
    public IReadOnlyList<SavepointBarrierSilo>? Barrier { get; init; }
}

/// <summary>One silo's checkpoint cycle a savepoint was taken at.</summary>
/// <param name="Cycle">The silo's count of completed checkpoint cycles, this one included.</param>
internal sealed record SavepointBarrierSilo(string Silo, string WorkerId, long? Cycle, DateTimeOffset? CompletedAt);

/// <summary>One partition's pinned snapshot, with what its state covers (the manifest's <c>covered:</c> entries).</summary>
/// <param name="PartitionId">The snapshot partition id, <c>{state}.p-{partition:D5}</c>.</param>
/// <param name="Epoch">The partition's epoch in that snapshot.</param>
/// <param name="Covered">Shard id to <c>sequence/sub-sequence</c>: the state holds every record of its keys up to there.</param>
internal sealed record SavepointPartition(string PartitionId, long SnapshotId, long Epoch, IReadOnlyDictionary<string, string> Covered);

/// <summary>Where a restore sets a shard's checkpoint.</summary>
/// <param name="Checkpoint">A sequence number, or the lease's sentinel (TRIM_HORIZON, LATEST, AT_TIMESTAMP, SHARD_END) when the state holds nothing past the shard's origin, or the shard had ended.</param>
/// <param name="EndPosition">For a shard that had ended: its recorded end (<c>sequence/sub-sequence</c>).</param>
internal sealed record SavepointShard(string ShardId, string Checkpoint, long SubSequenceNumber, string? EndPosition, IReadOnlyList<string> ParentShardIds);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SavepointDescriptor))]
internal sealed partial class SavepointJsonContext : JsonSerializerContext;
