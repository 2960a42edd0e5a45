using KinesisGrains.KeyedState.Partitions;
using KinesisGrains.Abstractions.Streams;
using Orleans;

namespace KinesisGrains.Benchmarks.State;

/// <summary>
/// <see cref="CounterPartitionGrain"/>'s twin on its own namespace and stores: a warm-up through it compiles the whole
/// counter path while the timed run still starts from empty RocksDBs and no keys in memory.
/// </summary>
[ImplicitStreamSubscription(StreamNamespace)]
public sealed class WarmUpCounterPartitionGrain : KeyedStatePartitionGrain<long, CounterState>
{
    public const string StreamNamespace = "bench-warm-up";

    protected override string StateName => "warm-up-counter";

    protected override void Apply(string key, CounterState state, long item, in StreamEventInfo info) => state.Count += item;
}
