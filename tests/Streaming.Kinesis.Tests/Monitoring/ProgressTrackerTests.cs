using System.Diagnostics;
using KinesisGrains.Streaming.Kinesis.Monitoring;
using KinesisGrains.Abstractions.Monitoring;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KinesisGrains.Tests.Monitoring;

/// <summary>The progress tracker's pure logic: what a cycle's record holds, idle cycles, the bounded buffer, listener isolation.</summary>
public sealed class ProgressTrackerTests
{
    [Fact]
    public async Task A_cycle_sums_what_receivers_and_partitions_reported_and_starts_again_from_zero()
    {
        var heard = new List<object>();
        await using var tracker = Tracker(new Recording(heard), retained: 100);
        var decoded = new ObservedMetricsAccumulator<int>([new("n", o => o.Count()), new("big", o => o.CountWhere(v => v > 5)), new("max", o => o.Max(v => v)), new("dl", o => o.DeadLetters())]);
        foreach (var value in new[] { 1, 7, 9 })
        {
            decoded.Observe(value);
        }

        decoded.DeadLetter();
        tracker.Started();
        tracker.Read("shard-0", "100", "300", records: 4, deadLettered: 1, bytes: 400, millisBehindLatest: 5, decodeTicks: 0, decoded);
        tracker.Read("shard-1", "10", "20", records: 2, deadLettered: 0, bytes: 50, millisBehindLatest: 0, decodeTicks: 0, null);
        tracker.Delivered("shard-0", 4, 0);
        tracker.StateReported([new PartitionProgress("s", 1, 10, 3, 100, 7, 12, 1, 2, 3, 1), new PartitionProgress("s", 0, 5, 2, 50, 0, 30, 1, 2, 2, 0)]);
        tracker.CycleCompleted(TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(50));

        var progress = Assert.Single(tracker.Recent.ToList());
        Assert.Equal(0, progress.BatchId);
        Assert.Equal(6, progress.NumInputRecords);
        Assert.Equal(4, progress.NumProcessedRecords);
        Assert.Equal(2, progress.DeadLetters);
        Assert.Equal(["shard-0", "shard-1"], progress.Sources.Select(s => s.ShardId));
        Assert.Equal(("100", "300", 450L), (progress.Sources[0].StartSequenceNumber, progress.Sources[0].EndSequenceNumber, progress.Sources.Sum(s => s.Bytes)));
        Assert.Equal(new Dictionary<string, double?> { ["big"] = 2, ["dl"] = 1, ["max"] = 9, ["n"] = 3 }, progress.ObservedMetrics);
        var state = Assert.Single(progress.StateOperators);
        Assert.Equal((2, 15L, 5L, 150L, 7L, 30L, 5L, 1L), (state.NumPartitions, state.KeysTotal, state.KeysUpdated, state.MemoryBytes, state.SnapshotBytes, state.SnapshotDurationMs, state.EventsApplied, state.DeadLetters));
        Assert.Equal([0, 1], state.Partitions.Select(p => p.Partition));
        Assert.Equal(40, progress.DurationMs["snapshot"]);
        Assert.Equal(50, progress.DurationMs["commit"]);

        // Only the delivery is left for the next cycle: a second record, with nothing read and a max of nothing.
        tracker.Delivered("shard-1", 2, 0);
        tracker.CycleCompleted(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        var second = tracker.Last!;
        Assert.Equal((1L, 0L, 2L), (second.BatchId, second.NumInputRecords, second.NumProcessedRecords));
        Assert.Null(second.ObservedMetrics["max"]);
        Assert.Equal(0, second.ObservedMetrics["n"]);
        Assert.Null(second.Sources[0].StartSequenceNumber);

        await tracker.DisposeAsync();
        Assert.Equal([typeof(QueryStartedEvent), typeof(QueryProgressEvent), typeof(QueryProgressEvent), typeof(QueryTerminatedEvent)], heard.Select(e => e.GetType()));
    }

    [Fact]
    public async Task A_cycle_with_nothing_read_or_delivered_is_idle_and_makes_no_record()
    {
        var heard = new List<object>();
        await using var tracker = Tracker(new Recording(heard), retained: 100);

        tracker.Fetched(Stopwatch.Frequency);
        tracker.CycleCompleted(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        tracker.Read("shard-0", "1", "1", 1, 0, 10, 0, 0, null);
        tracker.CycleCompleted(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);

        var progress = Assert.Single(tracker.Recent.ToList());
        Assert.Equal(0, progress.BatchId);
        Assert.Equal(0, progress.DurationMs["fetch"]);   // the idle cycle's empty fetches are not carried over
        await tracker.DisposeAsync();
        Assert.IsType<QueryIdleEvent>(heard[0]);
    }

    [Fact]
    public async Task The_recent_buffer_keeps_the_newest_records_only()
    {
        await using var tracker = Tracker(new Recording([]), retained: 3);
        for (var i = 0; i < 5; i++)
        {
            tracker.Read("shard-0", "1", "1", 1, 0, 10, 0, 0, null);
            tracker.CycleCompleted(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        }

        Assert.Equal([2L, 3L, 4L], tracker.Recent.ToList().Select(p => p.BatchId));
        Assert.Equal(4, tracker.Last!.BatchId);
    }

    [Fact]
    public async Task A_listener_that_throws_leaves_the_others_and_the_records_alone()
    {
        var heard = new List<object>();
        var tracker = Tracker([new Throwing(), new Recording(heard)], retained: 10);
        tracker.Read("shard-0", "1", "1", 1, 0, 10, 0, 0, null);
        tracker.CycleCompleted(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        await tracker.DisposeAsync();

        Assert.Single(tracker.Recent.ToList());
        Assert.Equal([typeof(QueryProgressEvent), typeof(QueryTerminatedEvent)], heard.Select(e => e.GetType()));
    }

    [Fact]
    public async Task The_eventTime_block_has_the_cycles_event_times_and_the_watermark_of_the_shards_until_partitions_report_one()
    {
        await using var tracker = Tracker(new Recording([]), retained: 10);
        var t0 = DateTimeOffset.Parse("2026-11-29T10:00:00Z");
        var shard0 = new EventTimeStats();
        var shard1 = new EventTimeStats();
        foreach (var seconds in new[] { 4, 1, 7 })
        {
            shard0.Observe(t0.AddSeconds(seconds));
        }

        shard1.Observe(t0.AddSeconds(10).ToOffset(TimeSpan.FromHours(2)));   // an offset changes nothing: the block is UTC
        tracker.Read("shard-0", "1", "3", 3, 0, 30, 0, 0, null, shard0);
        tracker.Read("shard-1", "1", "1", 1, 0, 10, 0, 0, null, shard1);
        tracker.WatermarkChanged("shard-0", t0.AddSeconds(7), idle: false);
        tracker.WatermarkChanged("shard-1", t0.AddSeconds(10), idle: false);
        tracker.CycleCompleted(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);

        Assert.Equal(0, shard0.Count);   // drained
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["avg"] = "2026-11-29T10:00:05.500Z",
                ["max"] = "2026-11-29T10:00:10.000Z",
                ["min"] = "2026-11-29T10:00:01.000Z",
                ["watermark"] = "2026-11-29T10:00:07.000Z",
            },
            tracker.Last!.EventTime);
        Assert.Contains("\"eventTime\":{\"avg\":\"2026-11-29T10:00:05.500Z\",\"max\":", tracker.Last.ToJson());

        // An idle shard is left out; one without any event yet holds the shards' watermark back (none).
        tracker.WatermarkChanged("shard-0", t0.AddSeconds(7), idle: true);
        tracker.Read("shard-1", "2", "2", 1, 0, 10, 0, 0, null);
        tracker.CycleCompleted(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        Assert.Equal(new Dictionary<string, string> { ["watermark"] = "2026-11-29T10:00:10.000Z" }, tracker.Last!.EventTime);

        tracker.Read("shard-2", "1", "1", 1, 0, 10, 0, 0, null);
        tracker.CycleCompleted(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        Assert.Null(tracker.Last!.EventTime);
        Assert.DoesNotContain("eventTime", tracker.Last.ToJson());

        // Partitions' watermarks, once reported, are the query's: the smallest of those that have one.
        tracker.Read("shard-2", "2", "2", 1, 0, 10, 0, 0, null);
        tracker.StateReported([
            new PartitionProgress("s", 0, 1, 1, 1, 0, 0, 0, 0, 1, 0, Watermark: t0.AddSeconds(3)),
            new PartitionProgress("s", 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, Watermark: t0.AddSeconds(2)),
            new PartitionProgress("s", 2, 1, 1, 1, 0, 0, 0, 0, 1, 0)]);
        tracker.CycleCompleted(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        Assert.Equal("2026-11-29T10:00:02.000Z", tracker.Last!.EventTime!["watermark"]);
        Assert.Equal(t0.AddSeconds(2), tracker.PartitionWatermarks[("s", 1)]);
        Assert.False(tracker.PartitionWatermarks.ContainsKey(("s", 2)));
        Assert.Contains("\"watermark\":\"2026-11-29T10:00:03+00:00\"", tracker.Last.ToJson());   // each partition's, in stateOperators
    }

    [Fact]
    public void The_query_id_is_stable_per_application_and_stream()
    {
        Assert.Equal(StreamingProgressTracker.QueryIdOf("app", "clicks"), StreamingProgressTracker.QueryIdOf("app", "clicks"));
        Assert.NotEqual(StreamingProgressTracker.QueryIdOf("app", "clicks"), StreamingProgressTracker.QueryIdOf("app2", "clicks"));
        Assert.NotEqual(StreamingProgressTracker.QueryIdOf("ab", "c"), StreamingProgressTracker.QueryIdOf("a", "bc"));
    }

    private static StreamingProgressTracker Tracker(IStreamingQueryListener listener, int retained) => Tracker([listener], retained);

    private static StreamingProgressTracker Tracker(IStreamingQueryListener[] listeners, int retained) =>
        new("app", "clicks", "silo-1", new StreamingMonitorOptions { RetainedProgress = retained, Level = MetricsLevel.None },
            [new("n", ObservedAggregateKind.Count), new("big", ObservedAggregateKind.Count), new("max", ObservedAggregateKind.Max), new("dl", ObservedAggregateKind.Count)],
            listeners, _ => null, TimeProvider.System, NullLoggerFactory.Instance);

    private sealed class Recording(List<object> heard) : IStreamingQueryListener
    {
        public void OnQueryStarted(QueryStartedEvent queryStarted) => heard.Add(queryStarted);

        public void OnQueryProgress(QueryProgressEvent queryProgress) => heard.Add(queryProgress);

        public void OnQueryIdle(QueryIdleEvent queryIdle) => heard.Add(queryIdle);

        public void OnQueryTerminated(QueryTerminatedEvent queryTerminated) => heard.Add(queryTerminated);
    }

    private sealed class Throwing : IStreamingQueryListener
    {
        public void OnQueryProgress(QueryProgressEvent queryProgress) => throw new InvalidOperationException("boom");

        public void OnQueryTerminated(QueryTerminatedEvent queryTerminated) => throw new InvalidOperationException("boom");
    }
}
