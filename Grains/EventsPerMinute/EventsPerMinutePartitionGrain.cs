using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Grains.Clickstream;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.KeyedState.Windows;
using Orleans;
using Orleans.Streams;

namespace KinesisGrains.Grains.EventsPerMinute;

/// <summary>
/// Clicks per event type in tumbling minutes of event time. The clickstream is keyed by user, so partition p sees the
/// clicks of its own users and counts them per type: a part of each type's counts, which <see cref="EventsPerMinuteGrain"/>
/// adds up over the partitions. That also keeps a hot type (most clicks are views) spread over every partition.
/// </summary>
/// <remarks>
/// Keyed here, in the partition: each batch of its users' clicks is applied keyed by <see cref="ClickEvent.Type"/>
/// (<see cref="OnNextAsync"/>), with its shard, positions and watermark as delivered (records the handler rejected are
/// the user activity's to dead-letter). A keyed view routed at the
/// receiver (spread over every partition) does the same job: with one, this override and the subscription to the
/// clickstream go, and the silo adds the view under the grain's own namespace.
/// </remarks>
[ImplicitStreamSubscription(IUserActivityPartition.StreamNamespace)]
public sealed class EventsPerMinutePartitionGrain
    : WindowedPartitionGrain<ClickEvent, long, long>, IEventsPerMinutePartition, IAsyncObserver<KeyedEventBatch<ClickEvent>>
{
    private static readonly WindowAssigner s_minutes = WindowAssigner.Tumbling(IEventsPerMinute.Window);
    private static readonly WindowAggregate<ClickEvent, long, long> s_count = WindowAggregates.Count<ClickEvent>();

    protected override string StateName => "events-per-minute";

    protected override WindowAssigner Windows => s_minutes;

    protected override WindowAggregate<ClickEvent, long, long> Aggregate => s_count;

    protected override TimeSpan AllowedLateness => IEventsPerMinute.AllowedLateness;

    protected override int RecentWindowsKept => IEventsPerMinute.ClosedMinutesKept;

    /// <summary>Applies a delivery of the clickstream with each click keyed by its type instead of its user.</summary>
    public new Task OnNextAsync(KeyedEventBatch<ClickEvent> batch, StreamSequenceToken? token = null) =>
        base.OnNextAsync(ClickstreamBatches.KeyedBy(batch, click => click.Type), token);
}
