namespace KinesisGrains.Benchmarks.Visibility;

/// <summary>Put → seen latencies of the current run, in milliseconds (the silo runs in the benchmark's process).</summary>
internal sealed class Latencies
{
    private readonly Lock _lock = new();
    private List<double> _milliseconds = [];

    /// <summary>Put → applied by a partition grain.</summary>
    public static Latencies Applied { get; } = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _milliseconds.Count;
            }
        }
    }

    public void Record(long ticks)
    {
        lock (_lock)
        {
            _milliseconds.Add(ticks / (double)TimeSpan.TicksPerMillisecond);
        }
    }

    /// <summary>Takes what was recorded and starts again.</summary>
    public List<double> Take()
    {
        lock (_lock)
        {
            var taken = _milliseconds;
            _milliseconds = [];
            return taken;
        }
    }

    /// <summary>p50, p99 and max of <paramref name="values"/>.</summary>
    public static (double P50, double P99, double Max) Summarize(List<double> values)
    {
        values.Sort();
        double At(double q) => values[Math.Min(values.Count - 1, (int)Math.Ceiling(q * values.Count) - 1)];
        return (At(0.50), At(0.99), values[^1]);
    }
}
