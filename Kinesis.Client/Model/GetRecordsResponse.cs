namespace KinesisGrains.Kinesis.Client;

/// <summary>One GetRecords page.</summary>
/// <param name="Records">May be empty even when more data follows: keep reading with <paramref name="NextShardIterator"/>.</param>
/// <param name="NextShardIterator"><c>null</c> once a closed shard has been read to its end.</param>
/// <param name="MillisBehindLatest">How far the page is from the tip of the shard; 0 when caught up.</param>
/// <param name="ChildShards">The shards that continue this one; only filled at the end of a closed shard, and empty on kinesalite.</param>
public sealed record GetRecordsResponse(
    IReadOnlyList<KinesisRecord> Records,
    string? NextShardIterator,
    long MillisBehindLatest,
    IReadOnlyList<ChildShard> ChildShards)
{
    /// <summary>The shard is closed and this page was its last (no next iterator).</summary>
    public bool IsShardEnd => NextShardIterator is null;
}
