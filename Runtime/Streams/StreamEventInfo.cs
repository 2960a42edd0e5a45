namespace KinesisGrains.Runtime.Streams;

/// <summary>Where a grain event came from: its shard, position, partition key and arrival time.</summary>
public readonly record struct StreamEventInfo(
    string ShardId,
    StreamSequenceToken Token,
    string PartitionKey,
    DateTimeOffset ArrivalTime);
