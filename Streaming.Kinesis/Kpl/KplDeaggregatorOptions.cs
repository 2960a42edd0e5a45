namespace KinesisGrains.Streaming.Kinesis.Kpl;

/// <summary>How records aggregated by the Kinesis Producer Library are split back into user records.</summary>
public sealed class KplDeaggregatorOptions
{
    /// <summary>
    /// When a shard's hash range is given and any sub-record of an aggregate hashes outside it, drop the whole
    /// aggregate, as the KCL does to suppress duplicates after resharding. It also loses data that a non-KPL producer
    /// packed for several shards, so every drop is reported (result and <c>kgrains.kpl.aggregates_dropped</c>).
    /// Off: every sub-record is emitted wherever it hashes.
    /// </summary>
    public bool DropAggregatesOutsideShardRange { get; set; } = true;
}
