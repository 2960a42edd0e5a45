namespace KinesisGrains.Kinesis.Client;

/// <summary>A shard that continues a closed shard, reported by GetRecords at the end of its parent.</summary>
public sealed record ChildShard(string ShardId, IReadOnlyList<string> ParentShards, HashKeyRange HashKeyRange);
