using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace KinesisGrains.Sinks.Delta;

/// <summary>The Delta sink's meter, <c>KinesisGrains.Sinks.Delta</c>: rows and files written, commits, their duration, lost races, checkpoints, and each table's latest version.</summary>
internal static class DeltaMetrics
{
    public const string MeterName = "KinesisGrains.Sinks.Delta";

    private static readonly Meter s_meter = new(MeterName);
    private static readonly ConcurrentDictionary<string, long> s_versions = new(StringComparer.Ordinal);

    public static readonly Counter<long> RowsWritten =
        s_meter.CreateCounter<long>("kgrains.delta.rows_written", "{row}", "Rows written to Delta data files by the sink");

    public static readonly Counter<long> FilesWritten =
        s_meter.CreateCounter<long>("kgrains.delta.files_written", "{file}", "Data files the sink uploaded");

    public static readonly Counter<long> Commits =
        s_meter.CreateCounter<long>("kgrains.delta.commits", "{commit}", "Delta versions this process committed, by operation");

    public static readonly Counter<long> MergeRowsRewritten =
        s_meter.CreateCounter<long>("kgrains.delta.merge_rows_rewritten", "{row}", "Rows a merge table's new files hold: the touched buckets' live keys (copy-on-write), against rows_written's changelog rows");

    public static readonly Counter<long> MergeRedos =
        s_meter.CreateCounter<long>("kgrains.delta.merge_redos", "{merge}", "Merges read and written again because another writer changed their buckets first");

    public static readonly Counter<long> LostRaces =
        s_meter.CreateCounter<long>("kgrains.delta.lost_races", "{race}", "Commit attempts another writer won the version of (retried on top)");

    public static readonly Counter<long> Checkpoints =
        s_meter.CreateCounter<long>("kgrains.delta.checkpoints", "{checkpoint}", "Checkpoints written");

    public static readonly Histogram<double> CommitDuration =
        s_meter.CreateHistogram<double>("kgrains.delta.commit_duration", "ms", "From a sink's commit call to its batch being in the table (upload, group commit)");

    static DeltaMetrics()
    {
        s_meter.CreateObservableGauge(
            "kgrains.delta.table_version",
            () => s_versions.Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("table", p.Key))),
            "{version}",
            "The latest version of each Delta table this process knows");
    }

    internal static void Observe(string table, long version)
    {
        if (version >= 0)
        {
            s_versions.AddOrUpdate(table, version, (_, current) => Math.Max(current, version));
        }
    }
}
