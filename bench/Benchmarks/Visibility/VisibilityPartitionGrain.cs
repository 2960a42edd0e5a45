using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Benchmarks.State;
using KinesisGrains.KeyedState.Partitions;
using Orleans;

namespace KinesisGrains.Benchmarks.Visibility;

/// <summary>
/// Counts each key's records and notes how long after its put each one was applied: from then on a query of the key
/// through the Orleans client sees it (a query runs in a later turn of this grain).
/// </summary>
[ImplicitStreamSubscription(IVisibilityPartition.StreamNamespace)]
public sealed class VisibilityPartitionGrain : KeyedStatePartitionGrain<VisibilityEvent, CounterState>, IVisibilityPartition
{
    protected override string StateName => "visibility";

    protected override void Apply(string key, CounterState state, VisibilityEvent item, in StreamEventInfo info)
    {
        state.Count++;
        Latencies.Applied.Record(DateTime.UtcNow.Ticks - item.PutAtTicks);
    }
}
