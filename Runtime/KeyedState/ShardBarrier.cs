using KinesisGrains.Runtime.Streams;
using Orleans;

namespace KinesisGrains.Runtime.KeyedState;

/// <summary>
/// What a checkpoint barrier tells one partition about one shard: every delivery up to <see cref="Checkpoint"/>
/// reached the partition, and the last batch it was sent up to there ended at <see cref="LastSent"/> (null: none
/// since the receiver started at the shard's start).
/// </summary>
/// <param name="Checkpoint">A sequence number, or a sentinel (SHARD_END) that moves nothing.</param>
[GenerateSerializer, Immutable]
public readonly record struct ShardBarrier(
    [property: Id(0)] string ShardId,
    [property: Id(1)] string Checkpoint,
    [property: Id(2)] long SubSequenceNumber,
    [property: Id(3)] StreamSequenceToken? LastSent)
{
    /// <summary>False for the KCL's sentinels (TRIM_HORIZON, LATEST, AT_TIMESTAMP, SHARD_END).</summary>
    public bool IsSequenceNumber => Storage.SourcePosition.IsSequenceNumberText(Checkpoint);
}
