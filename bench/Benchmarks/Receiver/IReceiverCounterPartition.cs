using KinesisGrains.Benchmarks.State;
using KinesisGrains.Abstractions.KeyedState;

namespace KinesisGrains.Benchmarks.Receiver;

/// <summary>The partitions of clicks per user that the receiver benchmark drains the stream into.</summary>
public interface IReceiverCounterPartition : IKeyedStatePartition<CounterState>
{
    public const string StreamNamespace = "receiver-bench";
}
