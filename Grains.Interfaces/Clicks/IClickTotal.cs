using Orleans;

namespace KinesisGrains.Grains.Clicks;

/// <summary>The counts of every click (<c>GetGrain&lt;IClickTotal&gt;(0)</c>): the clicks-total view's parts, merged.</summary>
public interface IClickTotal : IGrainWithIntegerKey
{
    Task<ClickCounts> GetAsync();
}
