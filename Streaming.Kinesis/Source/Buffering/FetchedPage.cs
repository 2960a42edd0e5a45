using System.Text;
using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.Streaming.Kinesis.Source.Buffering;

/// <summary>One GetRecords page of one shard, as it waits in the <see cref="FetchBuffer"/> between fetch and processing.</summary>
/// <remarks>Immutable. <see cref="SizeBytes"/> is computed once: the buffer reads it on every enqueue and dequeue.</remarks>
internal sealed class FetchedPage
{
    public FetchedPage(
        string shardId,
        IReadOnlyList<KinesisRecord> records,
        string? nextShardIterator,
        long millisBehindLatest,
        IReadOnlyList<ChildShard> childShards,
        DateTimeOffset fetchedAt)
        : this(shardId, records, nextShardIterator, millisBehindLatest, childShards, fetchedAt, ComputeSize(records))
    {
    }

    // The spill reader passes the size it stored, so a page read back from disk is not measured twice.
    internal FetchedPage(
        string shardId,
        IReadOnlyList<KinesisRecord> records,
        string? nextShardIterator,
        long millisBehindLatest,
        IReadOnlyList<ChildShard> childShards,
        DateTimeOffset fetchedAt,
        long sizeBytes)
    {
        ArgumentNullException.ThrowIfNull(shardId);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(childShards);
        ShardId = shardId;
        Records = records;
        NextShardIterator = nextShardIterator;
        MillisBehindLatest = millisBehindLatest;
        ChildShards = childShards;
        FetchedAt = fetchedAt;
        SizeBytes = sizeBytes;
    }

    public string ShardId { get; }

    public IReadOnlyList<KinesisRecord> Records { get; }

    /// <summary><c>null</c> once a closed shard has been read to its end.</summary>
    public string? NextShardIterator { get; }

    public long MillisBehindLatest { get; }

    /// <summary>Only filled on the last page of a closed shard.</summary>
    public IReadOnlyList<ChildShard> ChildShards { get; }

    /// <summary>When GetRecords returned; the buffer reports the oldest one so the reader can bound fetch latency.</summary>
    public DateTimeOffset FetchedAt { get; }

    /// <summary>Data plus UTF-8 partition key plus sequence number bytes of all records (what Kinesis bills as record size, give or take the sequence number).</summary>
    public long SizeBytes { get; }

    public bool IsShardEnd => NextShardIterator is null;

    public static FetchedPage From(string shardId, GetRecordsResponse response, DateTimeOffset fetchedAt)
    {
        ArgumentNullException.ThrowIfNull(response);
        return new FetchedPage(shardId, response.Records, response.NextShardIterator, response.MillisBehindLatest, response.ChildShards, fetchedAt);
    }

    public override string ToString() => $"{ShardId}: {Records.Count} records, {SizeBytes} bytes, fetched at {FetchedAt:O}";

    private static long ComputeSize(IReadOnlyList<KinesisRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        long size = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            size += record.Data.Length
                + Encoding.UTF8.GetByteCount(record.PartitionKey)
                + Encoding.UTF8.GetByteCount(record.SequenceNumber);
        }

        return size;
    }
}
