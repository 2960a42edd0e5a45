using System.Diagnostics.Metrics;
using KinesisGrains.Streaming.Kinesis.Diagnostics;

namespace KinesisGrains.Streaming.Kinesis.Kpl;

/// <summary>KPL counters on the <c>KinesisGrains.Streaming.Kinesis</c> meter, so drops and corrupt records are never silent.</summary>
internal static class KplMetrics
{
    private static readonly Meter s_meter = StreamingKinesisMetrics.Meter;

    // One tag array per reason, built once: Add must not allocate on the hot path.
    private static readonly KeyValuePair<string, object?>[] s_reasonTags =
        Enum.GetValues<KplCorruption>().Select(c => new KeyValuePair<string, object?>("reason", c.ToString())).ToArray();

    public static readonly Counter<long> AggregatesDropped =
        s_meter.CreateCounter<long>("kgrains.kpl.aggregates_dropped", "{aggregate}", "KPL aggregates dropped whole because a sub-record hashed outside the shard");

    public static readonly Counter<long> RecordsDropped =
        s_meter.CreateCounter<long>("kgrains.kpl.records_dropped", "{record}", "User records inside the dropped KPL aggregates");

    public static readonly Counter<long> CorruptPassedThrough =
        s_meter.CreateCounter<long>("kgrains.kpl.corrupt_passed_through", "{record}", "Records with the KPL magic that were not valid aggregates, passed through whole");

    internal static void RecordCorrupt(KplCorruption corruption) => CorruptPassedThrough.Add(1, s_reasonTags[(int)corruption]);

    internal static void RecordDropped(int userRecords)
    {
        AggregatesDropped.Add(1);
        RecordsDropped.Add(userRecords);
    }
}
