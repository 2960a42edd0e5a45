using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.KeyedState.Partitions;
using Orleans;

namespace KinesisGrains.Benchmarks.State;

/// <summary>The changelog counters, as callers see them.</summary>
public interface IChangelogCounterPartition : IKeyedStatePartition<CounterState>;

/// <summary>The emitting counters, as callers see them.</summary>
public interface IEmittingCounterPartition : IKeyedStatePartition<CounterState>;

/// <summary>
/// <see cref="CounterPartitionGrain"/>'s twin on its own namespace and state name, which the sink run attaches a
/// changelog sink to: every key written in an epoch stages its row (<c>{"key":..,"deleted":false,"count":N}</c>).
/// </summary>
[ImplicitStreamSubscription(StreamNamespace)]
public sealed class ChangelogCounterPartitionGrain : KeyedStatePartitionGrain<long, CounterState>, IChangelogCounterPartition
{
    public const string StreamNamespace = "bench-changelog-counters";
    public const string State = "changelog-counter";

    protected override string StateName => State;

    protected override void Apply(string key, CounterState state, long item, in StreamEventInfo info) => state.Count += item;
}

/// <summary>A row per counted event: the key, its count after the event, and where the event came from.</summary>
public sealed record CounterEventRow(string Key, long Count, string ShardId, string SequenceNumber, DateTimeOffset ArrivalTime);

/// <summary>The counters again, emitting one <see cref="CounterEventRow"/> per event for the sink run's emitted-rows sink.</summary>
[ImplicitStreamSubscription(StreamNamespace)]
public sealed class EmittingCounterPartitionGrain : KeyedStatePartitionGrain<long, CounterState, CounterEventRow>, IEmittingCounterPartition
{
    public const string StreamNamespace = "bench-emitting-counters";
    public const string State = "emitting-counter";

    protected override string StateName => State;

    protected override void Apply(string key, CounterState state, long item, in StreamEventInfo info)
    {
        state.Count += item;
        Emit(new CounterEventRow(key, state.Count, info.ShardId, info.Token.SequenceNumber, info.ArrivalTime));
    }
}
