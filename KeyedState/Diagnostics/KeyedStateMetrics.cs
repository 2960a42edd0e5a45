using System.Diagnostics.Metrics;

namespace KinesisGrains.KeyedState.Diagnostics;

/// <summary>The assembly's one meter, <c>KinesisGrains.KeyedState</c>: events applied, partition moves, gaps, restores and writes.</summary>
internal static class KeyedStateMetrics
{
    public const string MeterName = "KinesisGrains.KeyedState";

    private static readonly Meter s_meter = new(MeterName);

    public static readonly Counter<long> EventsApplied =
        s_meter.CreateCounter<long>("kgrains.stream.events_applied", "{event}", "Stream events applied to grains");

    public static readonly Counter<long> DuplicatesSkipped =
        s_meter.CreateCounter<long>("kgrains.stream.duplicates_skipped", "{event}", "Redelivered events at or below a partition's high-water mark");

    public static readonly Counter<long> InheritedEventsSkipped =
        s_meter.CreateCounter<long>("kgrains.stream.inherited_skipped", "{event}", "Redelivered events a rescaled partition skipped because the old partition of their key had applied them");

    public static readonly Counter<long> EventsFromLocalSilo =
        s_meter.CreateCounter<long>("kgrains.stream.events_local", "{event}", "Stream events delivered to a partition on the silo that read them");

    public static readonly Counter<long> EventsFromOtherSilo =
        s_meter.CreateCounter<long>("kgrains.stream.events_cross_silo", "{event}", "Stream events delivered to a partition on another silo than the one that read them");

    public static readonly Counter<long> PartitionMoves =
        s_meter.CreateCounter<long>("kgrains.state.partition_moves", "{move}", "Partitions that left their silo for the one reading their shard");

    public static readonly Counter<long> PartitionGaps =
        s_meter.CreateCounter<long>("kgrains.state.partition_gaps", "{gap}", "Shards a partition found it missed events of (restored from an older snapshot); each is replayed from its checkpoint");

    public static readonly Counter<long> PartitionRestores =
        s_meter.CreateCounter<long>("kgrains.state.partition_restores", "{restore}", "Partitions opened from an S3 snapshot");

    public static readonly Counter<long> SnapshotFallbacks =
        s_meter.CreateCounter<long>("kgrains.state.snapshot_fallbacks", "{restore}", "Restores that brought back an older snapshot than the newest committed one (the newest was missing or corrupt)");

    public static readonly Counter<long> RowsStaged =
        s_meter.CreateCounter<long>("kgrains.sinks.rows_staged", "{row}", "Rows staged for sinks with the state they came from (emitted rows and changelog rows)");

    public static readonly Counter<long> SinkCommitFailures =
        s_meter.CreateCounter<long>("kgrains.sinks.commit_failures", "{commit}", "Epochs a sink could not commit; they stay staged and are handed over again");

    public static readonly Counter<long> SinkEpochsDeferred =
        s_meter.CreateCounter<long>("kgrains.sinks.epochs_deferred", "{epoch}", "Hand-overs of a partition's staged rows that stopped at an epoch a sink failed; it is retried after the next barrier");

    public static readonly Counter<long> RestoredBehindSinks =
        s_meter.CreateCounter<long>("kgrains.sinks.restored_behind", "{restore}", "Partitions restored from a snapshot older than the epoch their sinks committed: rows of the replayed events may repeat");

    public static readonly Counter<long> TimersFired =
        s_meter.CreateCounter<long>("kgrains.timers.fired", "{timer}", "Timers fired (event time and processing time, time-to-live checks included)");

    public static readonly Counter<long> StatesExpired =
        s_meter.CreateCounter<long>("kgrains.state.expired", "{key}", "Key states removed by their time-to-live");

    public static readonly Counter<long> LateEvents =
        s_meter.CreateCounter<long>("kgrains.events.late", "{event}", "Events later than their window's allowed lateness, sent to the dead letters with reason 'late'");

    public static readonly Histogram<double> StateWriteDuration =
        s_meter.CreateHistogram<double>("kgrains.state.write_duration", "ms", "Time to write one partition's micro-batch to the state store");
}
