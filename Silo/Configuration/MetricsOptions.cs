using KinesisGrains.Streaming.Kinesis.Monitoring;

namespace KinesisGrains.Silo.Configuration;

/// <summary>Progress records and metrics (section <c>Metrics</c>).</summary>
public sealed class MetricsOptions
{
    /// <summary><c>NONE</c>, <c>SUMMARY</c> or <c>DETAILED</c>: what the <c>KinesisGrains.Streaming</c> meter records.</summary>
    public MetricsLevel Level { get; set; } = MetricsLevel.Summary;

    /// <summary>Tags the meter may use, comma-separated: <c>stream,shard,partition,silo</c> (all by default).</summary>
    public MetricDimensions EnabledDimensions { get; set; } = MetricDimensions.All;

    /// <summary><c>none</c>, <c>prometheus</c> (<c>/metrics</c> on the silo's HTTP port) or <c>otlp</c>.</summary>
    public MetricsExporter Exporter { get; set; } = MetricsExporter.None;

    /// <summary>Where the OTLP exporter sends (gRPC, default <c>http://localhost:4317</c>; OTEL_EXPORTER_OTLP_* variables also apply).</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>How often the OTLP exporter sends.</summary>
    public TimeSpan OtlpExportInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Progress records kept for <c>/progress</c>.</summary>
    public int RetainedProgress { get; set; } = 100;

    public StreamingMonitorOptions ToMonitorOptions() => new() { Level = Level, EnabledDimensions = EnabledDimensions, RetainedProgress = RetainedProgress };

    public IEnumerable<string> Validate()
    {
        foreach (var error in StreamingMonitorOptionsValidator.Problems(ToMonitorOptions()))
        {
            yield return "Metrics:" + error;
        }

        if (OtlpEndpoint is { } endpoint && (!endpoint.IsAbsoluteUri || endpoint.Scheme is not ("http" or "https")))
        {
            yield return $"Metrics:OtlpEndpoint must be an absolute http(s) URL; it is '{endpoint}'.";
        }

        if (OtlpEndpoint is not null && Exporter != MetricsExporter.Otlp)
        {
            yield return "Metrics:OtlpEndpoint is set but Metrics:Exporter is not otlp.";
        }

        if (OtlpExportInterval < TimeSpan.FromSeconds(1))
        {
            yield return $"Metrics:OtlpExportInterval must be at least 1 s; it is {OtlpExportInterval}.";
        }

        if (Exporter != MetricsExporter.None && Level == MetricsLevel.None)
        {
            yield return $"Metrics:Exporter is {Exporter.ToString().ToLowerInvariant()} but Metrics:Level is NONE: there would be nothing of ours to export.";
        }
    }
}

/// <summary>Where metrics go besides in-process listeners (dotnet-counters).</summary>
public enum MetricsExporter
{
    None,
    Prometheus,
    Otlp,
}
