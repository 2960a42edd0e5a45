using System.Collections.Concurrent;

namespace KinesisGrains.Benchmarks.FanOut;

/// <summary>
/// Records applied by one application's partition grains and when the last one was (its silo runs in the benchmark's
/// process, beside the other application's).
/// </summary>
internal sealed class ApplicationTally
{
    private static readonly ConcurrentDictionary<string, ApplicationTally> s_byApplication = new(StringComparer.Ordinal);

    private long _count;
    private long _firstAppliedTicks;
    private long _lastAppliedTicks;

    public long Count => Interlocked.Read(ref _count);

    public DateTimeOffset FirstAppliedAt => new(Interlocked.Read(ref _firstAppliedTicks), TimeSpan.Zero);

    public DateTimeOffset LastAppliedAt => new(Interlocked.Read(ref _lastAppliedTicks), TimeSpan.Zero);

    /// <summary>The tally of <paramref name="application"/> (by <c>Silo:ApplicationName</c>).</summary>
    public static ApplicationTally Of(string application) => s_byApplication.GetOrAdd(application, static _ => new ApplicationTally());

    public void Applied()
    {
        var now = DateTime.UtcNow.Ticks;
        if (Interlocked.Increment(ref _count) == 1)
        {
            Interlocked.Exchange(ref _firstAppliedTicks, now);
        }

        Interlocked.Exchange(ref _lastAppliedTicks, now);
    }
}
