using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Abstractions.Partitions;

namespace KinesisGrains.Abstractions.Streams;

/// <summary>
/// Turns a shard's records into one <see cref="KeyedEventBatch"/> per partition with the message handler; a
/// record the handler rejects travels, with the reason, in the batch of the partition its partition key hashes to,
/// which dead-letters it once (by its high-water mark, like events). Non-generic so the stream provider needs no
/// knowledge of the event type.
/// </summary>
public abstract class RecordDecoder
{
    /// <summary>Adds one record to the batch being built; false (a rejected record, for its partition to dead-letter) when the handler rejected it.</summary>
    public abstract bool Add(StreamRecord record);

    /// <summary>The observed metrics over the events decoded since the last drain; null when none are defined.</summary>
    public abstract ObservedMetricsAccumulator? Observed { get; }

    /// <summary>The event times of the events decoded since the receiver last drained them (rejected records have none).</summary>
    public EventTimeStats EventTimes { get; } = new();

    /// <summary>
    /// Ends the batch: a <see cref="KeyedEventBatch"/> for every partition that got events or rejected records, with <paramref name="to"/>
    /// as its end and <paramref name="fromOf"/>(partition) as its start. The decoder is empty again afterwards.
    /// </summary>
    /// <param name="watermark">The shard's watermark once read up to <paramref name="to"/>, carried by every batch.</param>
    /// <param name="shardIdle">The shard counts as idle, carried by every batch.</param>
    public abstract void Build(
        string shardId, ShardPosition to, Func<int, ShardPosition?> fromOf, List<KeyedEventBatch> output, DateTimeOffset? watermark = null, bool shardIdle = false);

    /// <summary>
    /// A batch of no events for <paramref name="partition"/>: (<paramref name="from"/>, <paramref name="to"/>] held
    /// nothing of it, and it carries the shard's watermark to a partition the shard's recent records did not reach.
    /// </summary>
    public abstract KeyedEventBatch BuildWatermarkUpdate(
        string shardId, int partition, ShardPosition? from, ShardPosition to, DateTimeOffset? watermark, bool shardIdle);
}

/// <summary>The <see cref="RecordDecoder"/> of one event type.</summary>
/// <param name="observed">Named aggregates over the decoded events (observed metrics); none when null or empty.</param>
/// <param name="eventTime">Takes an event's event time from the event; null: the record's ApproximateArrivalTimestamp.</param>
public sealed class RecordDecoder<TEvent>(
    IStreamMessageHandler<TEvent> handler,
    PartitionMap partitions,
    IReadOnlyList<ObservedMetric<TEvent>>? observed = null,
    Func<TEvent, DateTimeOffset>? eventTime = null) : RecordDecoder
{
    private readonly List<KeyedEvent<TEvent>>?[] _byPartition = new List<KeyedEvent<TEvent>>?[partitions.PartitionCount];
    private readonly List<RejectedRecord>?[] _rejectedByPartition = new List<RejectedRecord>?[partitions.PartitionCount];
    private readonly ObservedMetricsAccumulator<TEvent>? _observed = observed is { Count: > 0 } ? new(observed) : null;

    public override ObservedMetricsAccumulator? Observed => _observed;

    public override bool Add(StreamRecord record)
    {
        string? error;
        try
        {
            if (handler.TryHandle(record, out var key, out var item, out error))
            {
                if (key is null)
                {
                    error = "the message handler returned no key";
                }
                else if (TryGetEventTime(item, record, out var time, out error))
                {
                    var info = new StreamEventInfo(record.ShardId, record.Token, record.PartitionKey, record.ApproximateArrivalTimestamp);
                    info = eventTime is null ? info : info with { EventTime = time };   // unset means the arrival time: nothing extra to carry
                    (_byPartition[partitions.GetPartition(key)] ??= []).Add(new KeyedEvent<TEvent>(key, item, info));
                    _observed?.Observe(item);
                    EventTimes.Observe(time);
                    return true;
                }
            }
        }
        catch (Exception exception)
        {
            error = $"message handler threw {exception.GetType().Name}: {exception.Message}";
        }

        var rejectedInfo = new StreamEventInfo(record.ShardId, record.Token, record.PartitionKey, record.ApproximateArrivalTimestamp);
        (_rejectedByPartition[partitions.GetPartition(record.PartitionKey)] ??= []).Add(
            new RejectedRecord(rejectedInfo, error ?? "message handler rejected the record", record.Data.ToArray()));
        _observed?.DeadLetter();
        return false;
    }

    /// <summary>The extractor's time, or the arrival time without one; an extractor that throws rejects the record.</summary>
    private bool TryGetEventTime(TEvent item, StreamRecord record, out DateTimeOffset time, out string? error)
    {
        error = null;
        if (eventTime is null)
        {
            time = record.ApproximateArrivalTimestamp;
            return true;
        }

        try
        {
            time = eventTime(item);
        }
        catch (Exception exception)
        {
            time = default;
            error = $"event-time extractor threw {exception.GetType().Name}: {exception.Message}";
            return false;
        }

        // A missing field deserializes to the default time, which would pass for the arrival time unnoticed.
        if (time == default)
        {
            error = "event-time extractor returned no time (default DateTimeOffset)";
            return false;
        }

        return true;
    }

    public override void Build(
        string shardId, ShardPosition to, Func<int, ShardPosition?> fromOf, List<KeyedEventBatch> output, DateTimeOffset? watermark = null, bool shardIdle = false)
    {
        for (var partition = 0; partition < _byPartition.Length; partition++)
        {
            var events = _byPartition[partition];
            var rejected = _rejectedByPartition[partition];
            if (events is not { Count: > 0 } && rejected is not { Count: > 0 })
            {
                continue;
            }

            output.Add(new KeyedEventBatch<TEvent>
            {
                ShardId = shardId,
                Partition = partition,
                From = fromOf(partition),
                To = to,
                Events = events is { Count: > 0 } ? [.. events] : [],
                Rejected = rejected is { Count: > 0 } ? [.. rejected] : [],
                Watermark = watermark,
                ShardIdle = shardIdle,
            });
            events?.Clear();
            rejected?.Clear();
        }
    }

    public override KeyedEventBatch BuildWatermarkUpdate(
        string shardId, int partition, ShardPosition? from, ShardPosition to, DateTimeOffset? watermark, bool shardIdle) =>
        new KeyedEventBatch<TEvent>
        {
            ShardId = shardId,
            Partition = partition,
            From = from,
            To = to,
            Events = [],
            Watermark = watermark,
            ShardIdle = shardIdle,
        };
}
