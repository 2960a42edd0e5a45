using KinesisGrains.Abstractions.Windows;
using Orleans;

namespace KinesisGrains.Grains.EventsPerMinute;

/// <summary>
/// The clicks of one event type per minute of event time (<c>GetGrain&lt;IEventsPerMinute&gt;("purchase")</c>):
/// tumbling windows aligned to the minute.
/// </summary>
public interface IEventsPerMinute : IGrainWithStringKey
{
    /// <summary>Closed minutes kept per type for queries (open ones are always there).</summary>
    const int ClosedMinutesKept = 60;

    /// <summary>The window size.</summary>
    static TimeSpan Window => TimeSpan.FromMinutes(1);

    /// <summary>
    /// How late a click may be for its minute once the watermark passed it: the minute's count is updated until then
    /// (the producers' concurrent writes reorder a few seconds of clicks), and final after.
    /// </summary>
    static TimeSpan AllowedLateness => TimeSpan.FromMinutes(1);

    /// <summary>
    /// The type's most recent closed minutes and its open ones, oldest first: <see cref="WindowResult{T}.Value"/> and
    /// <see cref="WindowResult{T}.Events"/> the clicks. A minute is fired or closed once every partition that counted
    /// clicks in it fired or closed it. Empty for a type never seen.
    /// </summary>
    Task<WindowResult<long>[]> GetMinutesAsync();
}
