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

    /// <summary>p50, p99 (nearest rank, as the other latency rows) and max of <paramref name="values"/>.</summary>
    public static (double P50, double P99, double Max) Summarize(List<double> values) =>
        (Delta.DeltaSinkBenchmark.Percentile(values, 50), Delta.DeltaSinkBenchmark.Percentile(values, 99), values.Max());
}
