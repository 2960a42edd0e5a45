namespace KinesisGrains.Streaming.Kinesis.Monitoring;

/// <summary>How much the <c>KinesisGrains.Streaming</c> meter records (the KCL's levels).</summary>
public enum MetricsLevel
{
    /// <summary>Nothing.</summary>
    None,

    /// <summary>One series per silo and stream: totals over shards and partitions, the largest lag.</summary>
    Summary,

    /// <summary>Per shard and per partition series (tagged <c>shard</c> and <c>partition</c> when those dimensions are enabled).</summary>
    Detailed,
}
