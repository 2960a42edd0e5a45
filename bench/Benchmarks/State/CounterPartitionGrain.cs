using KinesisGrains.KeyedState.Partitions;
using KinesisGrains.Abstractions.Streams;
using Orleans;

namespace KinesisGrains.Benchmarks.State;

/// <summary>Keyed counters on the real partition grain: one increment per event, each delivery written to RocksDB.</summary>
[ImplicitStreamSubscription(ICounterPartition.StreamNamespace)]
public sealed class CounterPartitionGrain : KeyedStatePartitionGrain<long, CounterState>, ICounterPartition
{
    protected override string StateName => "counter";

    protected override void Apply(string key, CounterState state, long item, in StreamEventInfo info) => state.Count += item;
}
