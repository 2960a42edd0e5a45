namespace KinesisGrains.Streaming.Kinesis.Monitoring;

/// <summary>Progress records and the streaming meter of a Kinesis stream provider; <see cref="StreamingMonitorOptionsValidator"/> holds their rules.</summary>
public sealed class StreamingMonitorOptions
{
    /// <summary>Progress records kept for <c>/progress</c> (Spark's retainedProgressUpdates).</summary>
    public int RetainedProgress { get; set; } = 100;

    /// <summary>How much the monitor measures: none, a summary, or per shard and partition.</summary>
    public MetricsLevel Level { get; set; } = MetricsLevel.Summary;

    /// <summary>Which dimensions metrics are tagged with (each multiplies the series a backend stores).</summary>
    public MetricDimensions EnabledDimensions { get; set; } = MetricDimensions.All;
}
