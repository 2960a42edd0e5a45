using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Abstractions.Partitions;
using KinesisGrains.Abstractions.Views;

namespace KinesisGrains.Abstractions.Streams;

/// <summary>
/// Turns a shard's records into one <see cref="KeyedEventBatch"/> per lane (view × partition, <see cref="StreamLanes"/>)
/// with the message handler and the keyed views' key selectors; a record the handler rejects travels, with the reason,
/// in the primary view's batch of the partition its partition key hashes to, which dead-letters it once (by its
/// high-water mark, like events). Non-generic so the stream provider needs no knowledge of the event type.
/// </summary>
internal abstract class RecordDecoder
{
    /// <summary>Adds one record to the batch being built; false (a rejected record, for its partition to dead-letter) when the handler rejected it.</summary>
    public abstract bool Add(StreamRecord record);

    /// <summary>The observed metrics over the events decoded since the last drain; null when none are defined.</summary>
    public abstract ObservedMetricsAccumulator? Observed { get; }

    /// <summary>The event times of the events decoded since the receiver last drained them (rejected records have none).</summary>
    public EventTimeStats EventTimes { get; } = new();

    /// <summary>
    /// Ends the batch: a <see cref="KeyedEventBatch"/> for every lane that got events or rejected records, with <paramref name="to"/>
    /// as its end and <paramref name="fromOf"/>(lane) as its start. The decoder is empty again afterwards.
    /// </summary>
    /// <param name="watermark">The shard's watermark once read up to <paramref name="to"/>, carried by every batch.</param>
    /// <param name="shardIdle">The shard counts as idle, carried by every batch.</param>
    public abstract void Build(
        string shardId, ShardPosition to, Func<int, ShardPosition?> fromOf, List<LaneBatch> output, DateTimeOffset? watermark = null, bool shardIdle = false);

    /// <summary>
    /// A batch of no events for <paramref name="lane"/>: (<paramref name="from"/>, <paramref name="to"/>] held
    /// nothing of it, and it carries the shard's watermark to a partition the shard's recent records did not reach.
    /// </summary>
    public abstract LaneBatch BuildWatermarkUpdate(
        string shardId, int lane, ShardPosition? from, ShardPosition to, DateTimeOffset? watermark, bool shardIdle);
}

/// <summary>The <see cref="RecordDecoder"/> of one event type.</summary>
internal sealed class RecordDecoder<TEvent> : RecordDecoder
{
    private readonly IStreamMessageHandler<TEvent> _handler;
    private readonly PartitionMap _partitions;
    private readonly Func<TEvent, DateTimeOffset>? _eventTime;
    private readonly KeyedView<TEvent>[] _views;
    private readonly string[] _viewKeys;
    private readonly List<KeyedEvent<TEvent>>?[] _byLane;

    // The primary keys of the lanes of views routed by them (Spread), by lane: the events there are keyed by the view key.
    private readonly List<string>?[] _routingByLane;
    private readonly List<RejectedRecord>?[] _rejectedByPartition;
    private readonly ObservedMetricsAccumulator<TEvent>? _observed;

    /// <param name="observed">Named aggregates over the decoded events (observed metrics); none when null or empty.</param>
    /// <param name="eventTime">Takes an event's event time from the event; null: the record's ApproximateArrivalTimestamp.</param>
    /// <param name="views">The keyed views beside the primary one, in lane order (view 1, 2, ...); none when null.</param>
    public RecordDecoder(
        IStreamMessageHandler<TEvent> handler,
        PartitionMap partitions,
        IReadOnlyList<ObservedMetric<TEvent>>? observed = null,
        Func<TEvent, DateTimeOffset>? eventTime = null,
        IReadOnlyList<KeyedView<TEvent>>? views = null)
    {
        _handler = handler;
        _partitions = partitions;
        _eventTime = eventTime;
        _views = views is null ? [] : [.. views];
        _viewKeys = new string[_views.Length];
        _byLane = new List<KeyedEvent<TEvent>>?[(1 + _views.Length) * partitions.PartitionCount];
        _routingByLane = new List<string>?[_byLane.Length];
        _rejectedByPartition = new List<RejectedRecord>?[partitions.PartitionCount];
        _observed = observed is { Count: > 0 } ? new(observed) : null;
    }

    public override ObservedMetricsAccumulator? Observed => _observed;

    public override bool Add(StreamRecord record)
    {
        string? error;
        try
        {
            if (_handler.TryHandle(record, out var key, out var item, out error))
            {
                if (key is null)
                {
                    error = "the message handler returned no key";
                }
                else if (TryGetEventTime(item, record, out var time, out error) && (error = KeyViews(item)) is null)
                {
                    var info = new StreamEventInfo(record.ShardId, record.Token, record.PartitionKey, record.ApproximateArrivalTimestamp);
                    info = _eventTime is null ? info : info with { EventTime = time };   // unset means the arrival time: nothing extra to carry
                    Route(key, item, info);
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
        (_rejectedByPartition[_partitions.GetPartition(record.PartitionKey)] ??= []).Add(
            new RejectedRecord(rejectedInfo, error ?? "message handler rejected the record", record.Data.ToArray()));
        _observed?.DeadLetter();
        return false;
    }

    /// <summary>The extractor's time, or the arrival time without one; an extractor that throws rejects the record.</summary>
    private bool TryGetEventTime(TEvent item, StreamRecord record, out DateTimeOffset time, out string? error)
    {
        error = null;
        if (_eventTime is null)
        {
            time = record.ApproximateArrivalTimestamp;
            return true;
        }

        try
        {
            time = _eventTime(item);
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

    /// <summary>Takes the event's key in every view before any lane gets it: a record is in every view or in none.</summary>
    /// <returns>Null, or why a view could not key the event (the record is rejected).</returns>
    private string? KeyViews(TEvent item)
    {
        for (var view = 0; view < _views.Length; view++)
        {
            string? key;
            try
            {
                key = _views[view].KeyOf(item);
            }
            catch (Exception exception)
            {
                return $"the key selector of view '{_views[view].Name}' threw {exception.GetType().Name}: {exception.Message}";
            }

            if (key is null)
            {
                return $"the key selector of view '{_views[view].Name}' returned no key";
            }

            _viewKeys[view] = key;
        }

        return null;
    }

    /// <summary>The event to its primary key's partition (lane p), and to each view's lane (v × P + the partition of the view key, or of the primary key when spread).</summary>
    private void Route(string key, TEvent item, in StreamEventInfo info)
    {
        var partitionCount = _partitions.PartitionCount;
        var partition = _partitions.GetPartition(key);
        (_byLane[partition] ??= []).Add(new KeyedEvent<TEvent>(key, item, info));
        for (var view = 0; view < _views.Length; view++)
        {
            var viewKey = _viewKeys[view];
            var spread = _views[view].Routing == KeyedViewRouting.Spread;
            var lane = ((view + 1) * partitionCount) + (spread ? partition : _partitions.GetPartition(viewKey));
            (_byLane[lane] ??= []).Add(new KeyedEvent<TEvent>(viewKey, item, info));
            if (spread)
            {
                (_routingByLane[lane] ??= []).Add(key);
            }
        }
    }

    public override void Build(
        string shardId, ShardPosition to, Func<int, ShardPosition?> fromOf, List<LaneBatch> output, DateTimeOffset? watermark = null, bool shardIdle = false)
    {
        var partitionCount = _partitions.PartitionCount;
        for (var lane = 0; lane < _byLane.Length; lane++)
        {
            var events = _byLane[lane];

            // Rejected records belong to the primary view only (lanes 0..P-1): dead-lettered once, not once per view.
            var rejected = lane < partitionCount ? _rejectedByPartition[lane] : null;
            if (events is not { Count: > 0 } && rejected is not { Count: > 0 })
            {
                continue;
            }

            output.Add(new LaneBatch(lane, new KeyedEventBatch<TEvent>
            {
                ShardId = shardId,
                Partition = lane % partitionCount,
                From = fromOf(lane),
                To = to,
                Events = events is { Count: > 0 } ? [.. events] : [],
                RoutingKeys = _routingByLane[lane] is { Count: > 0 } routing ? [.. routing] : null,
                Rejected = rejected is { Count: > 0 } ? [.. rejected] : [],
                Watermark = watermark,
                ShardIdle = shardIdle,
            }));
            events?.Clear();
            _routingByLane[lane]?.Clear();
            rejected?.Clear();
        }
    }

    public override LaneBatch BuildWatermarkUpdate(
        string shardId, int lane, ShardPosition? from, ShardPosition to, DateTimeOffset? watermark, bool shardIdle) =>
        new(lane, new KeyedEventBatch<TEvent>
        {
            ShardId = shardId,
            Partition = lane % _partitions.PartitionCount,
            From = from,
            To = to,
            Events = [],
            Watermark = watermark,
            ShardIdle = shardIdle,
        });
}
