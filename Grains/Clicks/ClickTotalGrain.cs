using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.KeyedState;
using Orleans;
using Orleans.Concurrency;

namespace KinesisGrains.Grains.Clicks;

/// <summary>Every click's counts: the clicks-total view's part in each partition, read at once and merged.</summary>
[StatelessWorker]
public sealed class ClickTotalGrain(KeyedStateOptions options) : Grain, IClickTotal
{
    public async Task<ClickCounts> GetAsync() =>
        await GrainFactory.GetMergedAsync<IClickTotalPartition, ClickCounts>(IClickTotalPartition.Key, options.PartitionCount, ClickCounts.Merge) ?? new ClickCounts();
}
