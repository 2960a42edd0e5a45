using Orleans;

namespace KinesisGrains.Benchmarks.State;

/// <summary>A keyed counter: the state the benchmarks' partition grains keep per key (JSON <c>{"count":N}</c> in RocksDB).</summary>
[GenerateSerializer]
public sealed class CounterState
{
    [Id(0)]
    public long Count { get; set; }
}
