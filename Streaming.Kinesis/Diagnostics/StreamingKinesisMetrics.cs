using System.Diagnostics.Metrics;

namespace KinesisGrains.Streaming.Kinesis.Diagnostics;

/// <summary>The Kinesis source's meter: <c>KinesisGrains.Kinesis</c>.</summary>
public static class StreamingKinesisMetrics
{
    public const string MeterName = "KinesisGrains.Kinesis";

    internal static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> RecordsFetched =
        Meter.CreateCounter<long>("kgrains.kinesis.records_fetched", "{record}", "Records returned by GetRecords");

    public static readonly Counter<long> BytesFetched =
        Meter.CreateCounter<long>("kgrains.kinesis.bytes_fetched", "By", "Bytes returned by GetRecords");

    public static readonly Counter<long> Throttles =
        Meter.CreateCounter<long>("kgrains.kinesis.throttles", "{throttle}", "GetRecords calls Kinesis throttled (ProvisionedThroughputExceeded)");
}
