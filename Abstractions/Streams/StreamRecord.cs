namespace KinesisGrains.Abstractions.Streams;

/// <summary>One record as read from a shard, before the message handler turns it into a grain event.</summary>
public sealed record StreamRecord(
    ReadOnlyMemory<byte> Data,
    string PartitionKey,
    string SequenceNumber,
    long SubSequenceNumber,
    string? ExplicitHashKey,
    DateTimeOffset ApproximateArrivalTimestamp,
    string ShardId)
{
    /// <summary>The record's position in its shard.</summary>
    public ShardPosition Token => new(SequenceNumber, SubSequenceNumber);
}
