namespace KinesisGrains.Benchmarks.State.Synthetic;

/// <summary>
/// What a silo's synthetic receivers read from: one <see cref="SyntheticLoad"/> after another, so several runs share
/// one silo (a fresh silo per run would time its JIT and dependency-injection warm-up too).
/// </summary>
internal sealed class SyntheticFeed(int partitionCount, int queueCount)
{
    private volatile SyntheticLoad? _current;

    public int PartitionCount { get; } = partitionCount;

    public int QueueCount { get; } = queueCount;

    /// <summary>The load being read; null between runs.</summary>
    public SyntheticLoad? Current => _current;

    public void Begin(SyntheticLoad load) => _current = load;

    public void End() => _current = null;
}
