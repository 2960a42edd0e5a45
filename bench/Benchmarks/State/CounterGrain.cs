using KinesisGrains.Runtime.Grains;
using KinesisGrains.Runtime.Streams;

namespace KinesisGrains.Benchmarks.State;

public interface ICounter : IGrainWithStringKey
{
    Task<long> GetAsync();
}

public sealed class CounterState
{
    public long Count { get; set; }
}

/// <summary>The keyed counter of the state benchmark: one increment per event.</summary>
[GrainType("counter")]
public sealed class CounterGrain : Grain<CounterState>, ICounter, IStreamConsumer<long>
{
    public void OnNext(long item, in StreamEventInfo info) => State.Count += item;

    public Task<long> GetAsync() => Task.FromResult(State.Count);
}
