using KinesisGrains.Abstractions.Diagnostics;
using KinesisGrains.Clustering.DynamoDB;
using KinesisGrains.KeyedState.Diagnostics;
using KinesisGrains.Silo.Configuration;
using KinesisGrains.Streaming.Kinesis.Diagnostics;
using KinesisGrains.Streaming.Kinesis.Monitoring;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace KinesisGrains.Silo.Monitoring;

/// <summary>
/// The OpenTelemetry exporter <c>Metrics:Exporter</c> asks for: a Prometheus scrape endpoint (<c>/metrics</c> on the
/// silo's HTTP port) or OTLP. SUMMARY exports our meters; DETAILED adds Orleans' own.
/// </summary>
public static class MetricsExport
{
    /// <summary>Our meters, in the order they are added to the exporter.</summary>
    public static IReadOnlyList<string> Meters { get; } = [StreamingKinesisMetrics.MeterName, KeyedStateMetrics.MeterName, AbstractionsMetrics.MeterName, MembershipMetrics.MeterName, KinesisGrains.Sinks.Diagnostics.SinkMetrics.MeterName];

    public const string OrleansMeterName = "Microsoft.Orleans";

    public const string PrometheusPath = "/metrics";

    public static WebApplicationBuilder AddMetricsExport(this WebApplicationBuilder builder, MetricsOptions options, string applicationName, string siloId)
    {
        if (options.Exporter == MetricsExporter.None || options.Level == MetricsLevel.None)
        {
            return builder;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(applicationName, serviceInstanceId: siloId))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter([.. Meters]);
                if (options.Level == MetricsLevel.Detailed)
                {
                    metrics.AddMeter(OrleansMeterName);
                }

                if (options.Exporter == MetricsExporter.Prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
                else
                {
                    metrics.AddOtlpExporter((exporter, reader) =>
                    {
                        if (options.OtlpEndpoint is { } endpoint)
                        {
                            exporter.Endpoint = endpoint;
                        }

                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)options.OtlpExportInterval.TotalMilliseconds;
                    });
                }
            });
        return builder;
    }

    public static IEndpointRouteBuilder MapMetricsExport(this IEndpointRouteBuilder endpoints, MetricsOptions options)
    {
        if (options.Exporter == MetricsExporter.Prometheus && options.Level != MetricsLevel.None)
        {
            endpoints.MapPrometheusScrapingEndpoint(PrometheusPath);
        }

        return endpoints;
    }
}
