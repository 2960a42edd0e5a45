using Orleans;

namespace KinesisGrains.Abstractions.Streams;

/// <summary>Where an event came from: its shard, position, partition key and arrival time, and its event time.</summary>
[GenerateSerializer, Immutable]
public readonly record struct StreamEventInfo(
    [property: Id(0)] string ShardId,
    [property: Id(1)] ShardPosition Token,
    [property: Id(2)] string PartitionKey,
    [property: Id(3)] DateTimeOffset ArrivalTime)
{
    // Default (unset) means the arrival time, so records without an extractor carry nothing extra.
    [Id(4)]
    private readonly DateTimeOffset _eventTime;

    /// <summary>
    /// When the event happened, as windows, event-time timers and watermarks see it: the time the stream's event-time
    /// extractor took from the event, or the record's <see cref="ArrivalTime"/> (Kinesis' ApproximateArrivalTimestamp).
    /// </summary>
    public DateTimeOffset EventTime
    {
        get => _eventTime == default ? ArrivalTime : _eventTime;
        init => _eventTime = value;
    }
}
