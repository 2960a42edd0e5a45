using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.KeyedState;
using Orleans;
using Orleans.Concurrency;

namespace KinesisGrains.Grains.Clicks;

/// <summary>An event type's counts, read from the clicks-by-type partition that holds the type.</summary>
[StatelessWorker]
public sealed class ClickTypeCountsGrain(KeyedStateOptions options) : Grain, IClickTypeCounts
{
    public async Task<ClickCounts> GetAsync()
    {
        var type = this.GetStateKey();
        return await GrainFactory.GetPartitionOf<IClickTypePartition>(type, options.PartitionCount).GetAsync(type) ?? new ClickCounts();
    }
}
