using KinesisGrains.Abstractions.KeyedState;

namespace KinesisGrains.Benchmarks.State;

/// <summary>The counter partitions of the state benchmark, as callers see them.</summary>
public interface ICounterPartition : IKeyedStatePartition<CounterState>
{
    public const string StreamNamespace = "bench-counters";
}
