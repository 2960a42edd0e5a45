namespace KinesisGrains.Silo.Endpoints;

/// <summary>
/// Rates of monotonic counters (records per second per shard) from the values seen at each status read: the change
/// over the last <c>window</c>, so a dashboard polling every second sees a steady figure, not one poll's noise.
/// </summary>
internal sealed class RateMeter(TimeProvider time, TimeSpan window)
{
    private static readonly TimeSpan MinSpacing = TimeSpan.FromMilliseconds(200);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<Sample>> _samples = new(StringComparer.Ordinal);

    /// <summary>Notes <paramref name="count"/> now and returns the counter's rate per second over the window (0 until there are two samples).</summary>
    public double Rate(string key, long count)
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            if (!_samples.TryGetValue(key, out var samples))
            {
                _samples[key] = samples = [];
            }

            if (samples.Count == 0 || time.GetElapsedTime(samples[^1].Timestamp, now) >= MinSpacing)
            {
                samples.Add(new Sample(now, count));
            }

            // Keep one sample at or before the window's start, so the rate spans the whole window.
            var drop = 0;
            while (samples.Count - drop > 2 && time.GetElapsedTime(samples[drop + 1].Timestamp, now) >= window)
            {
                drop++;
            }

            samples.RemoveRange(0, drop);
            var oldest = samples[0];
            var seconds = time.GetElapsedTime(oldest.Timestamp, now).TotalSeconds;
            return seconds < 0.1 ? 0 : Math.Max(0, count - oldest.Count) / seconds;
        }
    }

    private readonly record struct Sample(long Timestamp, long Count);
}
