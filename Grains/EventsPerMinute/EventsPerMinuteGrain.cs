using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Windows;
using KinesisGrains.KeyedState;
using Orleans;
using Orleans.Concurrency;

namespace KinesisGrains.Grains.EventsPerMinute;

/// <summary>An event type's clicks per minute: every partition's part, read at once and added up.</summary>
[StatelessWorker]
public sealed class EventsPerMinuteGrain(KeyedStateOptions options) : Grain, IEventsPerMinute
{
    public async Task<WindowResult<long>[]> GetMinutesAsync()
    {
        var type = this.GetStateKey();
        var parts = new Task<WindowResult<long>[]>[options.PartitionCount];
        for (var partition = 0; partition < parts.Length; partition++)
        {
            parts[partition] = GrainFactory.GetGrain<IEventsPerMinutePartition>(partition).GetWindowsAsync(type);
        }

        return WindowParts.Sum(await Task.WhenAll(parts), IEventsPerMinute.ClosedMinutesKept);
    }
}
