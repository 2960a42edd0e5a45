namespace KinesisGrains.KeyedState;

/// <summary>
/// How the keyed state is split into partitions and how much of it stays in memory (section <c>Grains</c>);
/// <see cref="KeyedStateOptionsValidator"/> holds their rules.
/// </summary>
public sealed class KeyedStateOptions
{
    /// <summary>
    /// The number of state partitions P: a key's partition is part of where its state is stored, so it changes only
    /// through <c>kgrains rescale</c>. A live rescale (<c>--live</c>) sets it on running silos, and grains that route
    /// keys to partitions read it at each call.
    /// </summary>
    public int PartitionCount { get; set; } = 16;

    /// <summary>Keys whose state a partition keeps deserialized in memory; the rest stays in RocksDB.</summary>
    public int MaxActivationsPerPartition { get; set; } = 100_000;

    /// <summary>
    /// Changed keys a partition keeps in memory before it writes them (with the high-water marks they reach) in one
    /// RocksDB batch; they are always written before a checkpoint barrier's snapshot.
    /// </summary>
    public int MaxDirtyKeysPerPartition { get; set; } = 20_000;

    /// <summary>Events applied since the last write after which a partition writes, whatever the number of keys.</summary>
    public int MaxUnwrittenEventsPerPartition { get; set; } = 100_000;

    /// <summary>
    /// Timers a partition fires in one turn; the rest fire in the next turns, so a watermark jump that makes millions
    /// due does not hold queries back (finatra caps its timer firings per watermark at 10,000 likewise).
    /// </summary>
    public int MaxTimersPerTurn { get; set; } = 10_000;

    /// <summary>How often a partition looks for processing-time timers that came due (their resolution).</summary>
    public TimeSpan TimerCheckInterval { get; set; } = TimeSpan.FromSeconds(1);
}
