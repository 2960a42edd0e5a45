using KinesisGrains.Abstractions.Windows;

namespace KinesisGrains.Grains.EventsPerMinute;

/// <summary>Adds up the parts of one key's windows held by several partitions (each counted its own events).</summary>
internal static class WindowParts
{
    /// <param name="parts">Each partition's windows of the key, oldest first.</param>
    /// <param name="closedKept">Closed windows a partition keeps: one that has this many may have dropped older ones.</param>
    /// <returns>One window per (start, end), fired or closed once every part is; oldest first.</returns>
    public static WindowResult<long>[] Sum(IEnumerable<WindowResult<long>[]> parts, int closedKept)
    {
        var sums = new SortedDictionary<(DateTimeOffset Start, DateTimeOffset End), WindowResult<long>>();
        var since = DateTimeOffset.MinValue;
        foreach (var part in parts)
        {
            // A part that dropped its older windows: those would show here without it, too low, so they are left out.
            var closed = part.Where(w => w.Closed).ToList();
            if (closed.Count >= closedKept && closed.Min(w => w.Start) > since)
            {
                since = closed.Min(w => w.Start);
            }

            foreach (var window in part)
            {
                sums[(window.Start, window.End)] = sums.TryGetValue((window.Start, window.End), out var sum)
                    ? sum with
                    {
                        Value = sum.Value + window.Value,
                        Events = sum.Events + window.Events,
                        Fired = sum.Fired && window.Fired,
                        Closed = sum.Closed && window.Closed,
                    }
                    : window;
            }
        }

        return [.. sums.Values.Where(w => w.Start >= since)];
    }
}
