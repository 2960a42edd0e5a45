using Orleans;

namespace KinesisGrains.Grains.Clicks;

/// <summary>The counts of one event type (<c>GetGrain&lt;IClickTypeCounts&gt;("purchase")</c>), from the clicks-by-type view.</summary>
public interface IClickTypeCounts : IGrainWithStringKey
{
    /// <summary>Zero counts for a type never seen.</summary>
    Task<ClickCounts> GetAsync();
}
