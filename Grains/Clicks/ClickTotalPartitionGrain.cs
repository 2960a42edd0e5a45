using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.KeyedState.Partitions;
using Orleans;

namespace KinesisGrains.Grains.Clicks;

/// <summary>Every click under one key, spread: partition p counts the clicks of the users of partition p.</summary>
[ImplicitStreamSubscription(IClickTotalPartition.StreamNamespace)]
public sealed class ClickTotalPartitionGrain : KeyedStatePartitionGrain<ClickEvent, ClickCounts>, IClickTotalPartition
{
    protected override string StateName => "clicks-total";

    protected override void Apply(string key, ClickCounts state, ClickEvent item, in StreamEventInfo info) => state.Add(item);

    /// <summary>Parts are counts of other users' clicks: they add up (a rescale down brings several into a partition).</summary>
    protected override bool MergesParts => true;

    protected override ClickCounts MergeParts(string key, ClickCounts left, ClickCounts right) => ClickCounts.Merge(left, right);
}
