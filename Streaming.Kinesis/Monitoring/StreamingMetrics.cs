using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Streaming.Kinesis.Diagnostics;

namespace KinesisGrains.Streaming.Kinesis.Monitoring;

/// <summary>
/// Instruments on the <c>KinesisGrains.Streaming.Kinesis</c> meter: source, state, snapshot and dead-letter series recorded from each
/// progress record (once per commit cycle, off the hot path), at the configured <see cref="MetricsLevel"/> and with
/// the enabled <see cref="MetricDimensions"/> as tags.
/// </summary>
internal static class StreamingMetrics
{
    private static readonly Meter s_meter = StreamingKinesisMetrics.Meter;

    public static readonly Counter<long> SourceRecords =
        s_meter.CreateCounter<long>("kgrains.source.records", "{record}", "Records read from Kinesis shards (after KPL de-aggregation)");

    public static readonly Counter<long> SourceBytes =
        s_meter.CreateCounter<long>("kgrains.source.bytes", "By", "Bytes of the GetRecords pages read");

    public static readonly Gauge<long> MillisBehindLatest =
        s_meter.CreateGauge<long>("kgrains.source.millis_behind_latest", "ms", "How far the reader is behind the tip of the shard (SUMMARY: the largest over shards)");

    public static readonly Gauge<long> StateKeys =
        s_meter.CreateGauge<long>("kgrains.state.keys", "{key}", "Keys in the partitions' state (RocksDB's estimate)");

    public static readonly Counter<long> StateKeysUpdated =
        s_meter.CreateCounter<long>("kgrains.state.keys_updated", "{key}", "Key states written to the state store");

    public static readonly Gauge<long> StateMemory =
        s_meter.CreateGauge<long>("kgrains.state.memory", "By", "RocksDB memtables and table readers of the partitions (the shared block cache not counted)");

    public static readonly Histogram<double> SnapshotDuration =
        s_meter.CreateHistogram<double>("kgrains.snapshot.duration", "ms", "Time a partition took to persist at a checkpoint barrier (write, checkpoint, upload)");

    public static readonly Counter<long> SnapshotBytes =
        s_meter.CreateCounter<long>("kgrains.snapshot.bytes", "By", "Bytes uploaded by snapshots");

    public static readonly Counter<long> DeadLetters =
        s_meter.CreateCounter<long>("kgrains.dead_letters", "{record}", "Records dead-lettered: undecodable ones and events whose logic threw");

    public static readonly Counter<long> CommitCycles =
        s_meter.CreateCounter<long>("kgrains.commit.cycles", "{cycle}", "Commit cycles that made a progress record");

    public static readonly Histogram<double> CommitDuration =
        s_meter.CreateHistogram<double>("kgrains.commit.duration", "ms", "Time of a commit cycle: the checkpoint barrier round and the checkpoint writes");

    public static readonly Gauge<long> WatermarkDelay =
        s_meter.CreateGauge<long>("kgrains.event_time.watermark_delay", "ms", "How far the query's event-time watermark trails the end of the commit cycle (the progress record's eventTime.watermark)");

    /// <summary>Records one progress record's measurements, as much as <paramref name="options"/> asks for.</summary>
    public static void Record(StreamingQueryProgress progress, StreamingMonitorOptions options)
    {
        if (options.Level == MetricsLevel.None)
        {
            return;
        }

        var dimensions = options.EnabledDimensions;
        var common = new TagList();
        if (dimensions.HasFlag(MetricDimensions.Stream))
        {
            common.Add("stream", progress.StreamName);
        }

        if (dimensions.HasFlag(MetricDimensions.Silo))
        {
            common.Add("silo", progress.SiloId);
        }

        var detailed = options.Level == MetricsLevel.Detailed;
        CommitCycles.Add(1, common);
        CommitDuration.Record(progress.DurationMs.GetValueOrDefault("commit"), common);
        DeadLetters.Add(progress.DeadLetters, common);
        if (progress.EventTime?.GetValueOrDefault("watermark") is { } text
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var watermark))
        {
            WatermarkDelay.Record((long)(progress.Timestamp - watermark).TotalMilliseconds, common);
        }

        if (detailed)
        {
            foreach (var source in progress.Sources)
            {
                var tags = With(common, dimensions.HasFlag(MetricDimensions.Shard) ? "shard" : null, source.ShardId);
                SourceRecords.Add(source.Records, tags);
                SourceBytes.Add(source.Bytes, tags);
                if (source.MillisBehindLatest is { } behind)
                {
                    MillisBehindLatest.Record(behind, tags);
                }
            }
        }
        else
        {
            SourceRecords.Add(progress.Sources.Sum(s => s.Records), common);
            SourceBytes.Add(progress.Sources.Sum(s => s.Bytes), common);
            if (progress.Sources.Select(s => s.MillisBehindLatest).Max() is { } behind)
            {
                MillisBehindLatest.Record(behind, common);
            }
        }

        foreach (var state in progress.StateOperators)
        {
            if (detailed)
            {
                foreach (var partition in state.Partitions)
                {
                    var tags = With(
                        With(common, "state", state.OperatorName),
                        dimensions.HasFlag(MetricDimensions.Partition) ? "partition" : null,
                        partition.Partition);
                    StateKeys.Record(partition.KeysTotal, tags);
                    StateKeysUpdated.Add(partition.KeysUpdated, tags);
                    StateMemory.Record(partition.MemoryBytes, tags);
                    SnapshotDuration.Record(partition.SnapshotDurationMs, tags);
                    SnapshotBytes.Add(partition.SnapshotBytes, tags);
                }
            }
            else
            {
                var tags = With(common, "state", state.OperatorName);
                StateKeys.Record(state.KeysTotal, tags);
                StateKeysUpdated.Add(state.KeysUpdated, tags);
                StateMemory.Record(state.MemoryBytes, tags);
                SnapshotDuration.Record(state.SnapshotDurationMs, tags);
                SnapshotBytes.Add(state.SnapshotBytes, tags);
            }
        }
    }

    private static TagList With(TagList tags, string? key, object value)
    {
        if (key is not null)
        {
            tags.Add(key, value);
        }

        return tags;
    }
}
