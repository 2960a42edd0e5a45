using KinesisGrains.Abstractions.KeyedState;

namespace KinesisGrains.Grains.Clicks;

/// <summary>The partition grain of the clicks-by-type view: the clickstream keyed by event type (view, click, purchase ...).</summary>
public interface IClickTypePartition : IKeyedStatePartition<ClickCounts>
{
    /// <summary>The view's name: the Orleans stream namespace its partitions subscribe to.</summary>
    public const string StreamNamespace = "clicks-by-type";
}
