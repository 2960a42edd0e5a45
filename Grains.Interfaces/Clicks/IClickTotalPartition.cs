using KinesisGrains.Abstractions.KeyedState;

namespace KinesisGrains.Grains.Clicks;

/// <summary>
/// The partition grain of the clicks-total view: every click under one key, spread (each partition counts the clicks
/// of its own users, in parallel); <see cref="IClickTotal"/> merges the parts.
/// </summary>
public interface IClickTotalPartition : IKeyedStatePartition<ClickCounts>
{
    /// <summary>The view's name: the Orleans stream namespace its partitions subscribe to.</summary>
    public const string StreamNamespace = "clicks-total";

    /// <summary>The view's one key.</summary>
    public const string Key = "all";
}
