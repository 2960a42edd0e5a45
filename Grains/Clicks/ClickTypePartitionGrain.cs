using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.KeyedState.Partitions;
using Orleans;

namespace KinesisGrains.Grains.Clicks;

/// <summary>Clicks and bytes per event type: the clickstream's view keyed by <see cref="ClickEvent.Type"/>.</summary>
[ImplicitStreamSubscription(IClickTypePartition.StreamNamespace)]
public sealed class ClickTypePartitionGrain : KeyedStatePartitionGrain<ClickEvent, ClickCounts>, IClickTypePartition
{
    protected override string StateName => "clicks-by-type";

    protected override void Apply(string key, ClickCounts state, ClickEvent item, in StreamEventInfo info) => state.Add(item);
}
