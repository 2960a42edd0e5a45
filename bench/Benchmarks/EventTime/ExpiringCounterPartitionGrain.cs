using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Benchmarks.State;
using KinesisGrains.KeyedState.Partitions;
using KinesisGrains.KeyedState.Timers;
using Orleans;

namespace KinesisGrains.Benchmarks.EventTime;

/// <summary>The benchmark's keyed counters with a state time-to-live: a key without an event for an hour of event time goes.</summary>
[ImplicitStreamSubscription(IExpiringCounterPartition.StreamNamespace)]
public sealed class ExpiringCounterPartitionGrain : KeyedStatePartitionGrain<long, CounterState>, IExpiringCounterPartition
{
    public static readonly TimeSpan TimeToLiveAfter = TimeSpan.FromHours(1);

    private static readonly StateTimeToLive s_timeToLive = new(TimeToLiveAfter);

    protected override string StateName => "bench-expiring";

    protected override StateTimeToLive TimeToLive => s_timeToLive;

    protected override void Apply(string key, CounterState state, long item, in StreamEventInfo info) => state.Count += item;
}
