using KinesisGrains.Benchmarks.State;
using KinesisGrains.KeyedState.Partitions;
using KinesisGrains.Abstractions.Streams;
using Orleans;

namespace KinesisGrains.Benchmarks.Receiver;

/// <summary>Counts the clicks of each user: the processing the receiver benchmark drains the stream into.</summary>
[ImplicitStreamSubscription(IReceiverCounterPartition.StreamNamespace)]
public sealed class ReceiverCounterPartitionGrain : KeyedStatePartitionGrain<ReceiverClick, CounterState>, IReceiverCounterPartition
{
    protected override string StateName => "receiver-counter";

    protected override void Apply(string key, CounterState state, ReceiverClick item, in StreamEventInfo info) => state.Count++;
}
