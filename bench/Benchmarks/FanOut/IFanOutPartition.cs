using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Benchmarks.State;

namespace KinesisGrains.Benchmarks.FanOut;

/// <summary>The partitions each application of the fan-out benchmark reads into.</summary>
public interface IFanOutPartition : IKeyedStatePartition<CounterState>
{
    public const string StreamNamespace = "fan-out-bench";
}
