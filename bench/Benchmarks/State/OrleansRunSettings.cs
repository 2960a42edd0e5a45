namespace KinesisGrains.Benchmarks.State;

/// <summary>The shape of a run through the Orleans path: partitions, queues (shards), records per receiver read, caches.</summary>
internal sealed record OrleansRunSettings(int Partitions, int Queues, int RecordsPerRead, int CacheSize, int MaxKeysInMemoryPerPartition)
{
    /// <summary>Events per batch container when keys spread evenly over the partitions.</summary>
    public int EventsPerContainer => RecordsPerRead / Partitions;
}
