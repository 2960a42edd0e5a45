namespace KinesisGrains.Streaming.Kinesis.Monitoring;

/// <summary>Progress records and the streaming meter of a Kinesis stream provider.</summary>
public sealed class StreamingMonitorOptions
{
    /// <summary>Progress records kept for <c>/progress</c> (Spark's retainedProgressUpdates).</summary>
    public int RetainedProgress { get; set; } = 100;

    public MetricsLevel Level { get; set; } = MetricsLevel.Summary;

    public MetricDimensions EnabledDimensions { get; set; } = MetricDimensions.All;

    public IEnumerable<string> Validate()
    {
        if (RetainedProgress is < 1 or > 100_000)
        {
            yield return $"RetainedProgress must be between 1 and 100000; it is {RetainedProgress}.";
        }

        if (!Enum.IsDefined(Level))
        {
            yield return $"Level must be NONE, SUMMARY or DETAILED; it is {Level}.";
        }

        if ((EnabledDimensions & ~MetricDimensions.All) != 0)
        {
            yield return $"EnabledDimensions may only hold stream, shard, partition and silo; it is {EnabledDimensions}.";
        }
    }
}
