namespace KinesisGrains.Kinesis.Client;

/// <summary>A shard as ListShards returns it.</summary>
/// <param name="ParentShardId">Set on children of a split or merge.</param>
/// <param name="AdjacentParentShardId">Set on the child of a merge.</param>
public sealed record Shard(
    string ShardId,
    string? ParentShardId,
    string? AdjacentParentShardId,
    HashKeyRange HashKeyRange,
    SequenceNumberRange SequenceNumberRange)
{
    /// <summary>The shard still takes records (it was not split or merged away).</summary>
    public bool IsOpen => !SequenceNumberRange.IsClosed;
}
