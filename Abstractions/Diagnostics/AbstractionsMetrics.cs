using System.Diagnostics.Metrics;

namespace KinesisGrains.Abstractions.Diagnostics;

/// <summary>The assembly's one meter, <c>KinesisGrains.Abstractions</c> (dead letters, alerts), for OpenTelemetry or dotnet-counters.</summary>
internal static class AbstractionsMetrics
{
    public const string MeterName = "KinesisGrains.Abstractions";

    private static readonly Meter s_meter = new(MeterName);

    public static readonly Counter<long> DeadLetters =
        s_meter.CreateCounter<long>("kgrains.stream.dead_letters", "{record}", "Records sent to the dead-letter queue");

    public static readonly Counter<long> Alerts =
        s_meter.CreateCounter<long>("kgrains.alerts", "{alert}", "Alerts raised by streaming query listeners (an error ratio above its threshold)");
}
