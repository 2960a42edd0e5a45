using KinesisGrains.Abstractions.Windows;

namespace KinesisGrains.Grains.EventsPerMinute;

/// <summary>
/// The partition grain of the per-minute counts: partition p counts, per event type, the clicks of the users of
/// partition p (a part of each type's counts; <see cref="IEventsPerMinute"/> adds the parts of every partition up).
/// </summary>
public interface IEventsPerMinutePartition : IWindowedPartition<long>
{
}
