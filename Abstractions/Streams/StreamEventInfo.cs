using Orleans;

namespace KinesisGrains.Abstractions.Streams;

/// <summary>Where an event came from: its shard, position, partition key and arrival time.</summary>
[GenerateSerializer, Immutable]
public readonly record struct StreamEventInfo(
    [property: Id(0)] string ShardId,
    [property: Id(1)] ShardPosition Token,
    [property: Id(2)] string PartitionKey,
    [property: Id(3)] DateTimeOffset ArrivalTime);
