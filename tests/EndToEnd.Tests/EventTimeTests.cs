using System.Diagnostics.Metrics;
using System.Text.Json;
using KinesisGrains.Abstractions.Partitions;
using KinesisGrains.Abstractions.Serialization;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Silo.Hosting;
using KinesisGrains.Streaming.Kinesis.Diagnostics;
using KinesisGrains.Streaming.Kinesis.Monitoring;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>
/// Event time on a real silo over kinesalite: the clicks' own Timestamp as event time, the progress records'
/// <c>eventTime</c> block, each shard's watermark on <c>/status</c>, and a shard without records turning idle.
/// </summary>
public sealed class EventTimeTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    private static readonly DateTimeOffset s_t0 = DateTimeOffset.Parse("2026-11-29T10:00:00Z");
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_events_own_times_make_the_eventTime_block_and_the_shards_watermark_which_reaches_every_partition_fed()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        using var updates = CountWatermarkUpdates(stream);
        await using var silo = await StartSiloAsync(cluster.SiloSettings(
            "app-" + stream, stream, data.Path, ("Kinesis:EventTime:Source", "Event"), ("Kinesis:EventTime:OutOfOrderness", "00:00:02")));

        // Clicks up to 10 s out of order, none of them at its arrival time (today, not 2026-11-29).
        var random = new Random(5);
        var clicks = Enumerable.Range(0, 300)
            .Select(i => new ClickEvent($"user-{i % 23}", "view", 100, s_t0.AddMilliseconds(i * 100 - random.Next(0, 10_000))))
            .ToList();
        foreach (var chunk in clicks.Chunk(100))
        {
            await cluster.Kinesis.PutRecordsAsync(stream, [.. chunk.Select(c => new PutRecordsRequestEntry(StateSerializer.Serialize(c), c.UserId))]);
        }

        await LocalCluster.WaitForCaughtUpAsync(silo, clicks.Count);
        var progress = await WaitForAsync(() => silo.Source.Monitor.Recent.ToList(), p => p.Sum(r => r.NumInputRecords) >= clicks.Count, "every click in a progress record");

        var blocks = progress.Where(p => p.NumInputRecords > 0).Select(p => p.EventTime).ToList();
        Assert.All(blocks, b => Assert.NotNull(b));
        Assert.Equal(StreamingProgressTracker.Iso(clicks.Min(c => c.Timestamp)), blocks.Min(b => b!["min"]), StringComparer.Ordinal);
        Assert.Equal(StreamingProgressTracker.Iso(clicks.Max(c => c.Timestamp)), blocks.Max(b => b!["max"]), StringComparer.Ordinal);

        // The shard's watermark: the latest click's time minus the 2 s of out-of-orderness; it has events, so it is active.
        var expected = clicks.Max(c => c.Timestamp) - TimeSpan.FromSeconds(2);
        var shard = Assert.Single((await StatusAsync(silo)).GetProperty("shards").EnumerateArray());
        Assert.Equal(expected, shard.GetProperty("watermark").GetDateTimeOffset());
        Assert.False(shard.GetProperty("idle").GetBoolean());
        Assert.Equal(expected, Assert.Single(silo.Source.Progress).Watermark);

        // The query's watermark: never past the shard's, and never before the earliest it could have been.
        var withWatermark = await WaitForAsync(
            () => silo.Source.Monitor.Recent.ToList(), p => p.Any(r => r.EventTime?.ContainsKey("watermark") == true), "a progress record with a watermark");
        var watermark = DateTimeOffset.Parse(withWatermark.Last(r => r.EventTime?.ContainsKey("watermark") == true).EventTime!["watermark"]);
        Assert.InRange(watermark, clicks.Min(c => c.Timestamp) - TimeSpan.FromSeconds(2), expected);

        // One more click, of one user: its partition gets it in a batch, and every other partition the shard fed
        // gets the new watermark in a batch of no events, once.
        await Task.Delay(TimeSpan.FromSeconds(1));   // updates due before it have gone (5 watermark intervals)
        var before = updates.Count;
        var last = new ClickEvent("user-0", "view", 100, clicks.Max(c => c.Timestamp).AddSeconds(5));
        await cluster.Kinesis.PutRecordsAsync(stream, [new PutRecordsRequestEntry(StateSerializer.Serialize(last), last.UserId)]);
        await LocalCluster.WaitForCaughtUpAsync(silo, clicks.Count + 1);
        await Task.Delay(TimeSpan.FromSeconds(1));

        var partitions = new PartitionMap(8);
        var fed = clicks.Select(c => partitions.GetPartition(c.UserId)).ToHashSet();
        fed.Remove(partitions.GetPartition(last.UserId));
        Assert.True(fed.Count > 0);
        Assert.Equal(fed.Count, updates.Count - before);
        Assert.Equal(last.Timestamp - TimeSpan.FromSeconds(2), Assert.Single(silo.Source.Progress).Watermark);
    }

    [Fact]
    public async Task A_shard_without_records_turns_idle_after_the_idle_timeout_while_the_busy_one_stays_active()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var idleTimeout = TimeSpan.FromSeconds(3);
        await using var silo = await StartSiloAsync(cluster.SiloSettings(
            "app-" + stream, stream, data.Path, ("Kinesis:EventTime:Source", "Event"), ("Kinesis:EventTime:IdleTimeout", "00:00:03")));

        // A click every 200 ms, all to the first shard (hash key 0), one second of event time apart.
        using var stopProducing = new CancellationTokenSource();
        var produced = 0;
        var producing = Task.Run(async () =>
        {
            while (!stopProducing.IsCancellationRequested)
            {
                var click = new ClickEvent("user-1", "view", 1, s_t0.AddSeconds(produced));
                await cluster.Kinesis.PutRecordsAsync(stream, [new PutRecordsRequestEntry(StateSerializer.Serialize(click), click.UserId, ExplicitHashKey: "0")]);
                produced++;
                await Task.Delay(200);
            }
        });

        // The empty shard turns idle, not before the timeout since its reader started; the busy one never does.
        var deadline = DateTime.UtcNow + s_wait;
        JsonElement busy, empty;
        DateTimeOffset seenIdleAt;
        while (true)
        {
            var status = await StatusAsync(silo);
            var shards = status.GetProperty("shards").EnumerateArray().OrderBy(s => s.GetProperty("shardId").GetString(), StringComparer.Ordinal).ToList();
            if (shards.Count == 2)
            {
                (busy, empty) = (shards[0], shards[1]);
                Assert.False(busy.GetProperty("idle").GetBoolean(), "the shard with a record every 200 ms was reported idle");
                if (empty.GetProperty("idle").GetBoolean())
                {
                    seenIdleAt = status.GetProperty("serverTime").GetDateTimeOffset();
                    break;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, "the shard without records never turned idle");
            await Task.Delay(100);
        }

        Assert.True(seenIdleAt - empty.GetProperty("readingSince").GetDateTimeOffset() >= idleTimeout, $"idle at {seenIdleAt:O}, reading since {empty.GetProperty("readingSince")}");
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("watermark").ValueKind);

        // With the empty shard left out, the busy shard's watermark makes the query's.
        await WaitForAsync(() => silo.Source.Monitor.Recent.ToList(), p => p.Any(r => r.EventTime?.ContainsKey("watermark") == true), "a progress record with a watermark");

        // Once its records stop, the busy shard's watermark is its last click's time, and it keeps it when it turns idle too.
        await stopProducing.CancelAsync();
        await producing;
        await LocalCluster.WaitForCaughtUpAsync(silo, produced);
        Assert.Equal(s_t0.AddSeconds(produced - 1), silo.Source.Progress.Single(p => p.ShardId == busy.GetProperty("shardId").GetString()).Watermark);
        await WaitForAsync(() => silo.Source.Progress.Where(p => p.Idle).ToList(), idle => idle.Count == 2, "both shards idle");
        var last = (await StatusAsync(silo)).GetProperty("shards").EnumerateArray().Single(s => s.GetProperty("shardId").GetString() == busy.GetProperty("shardId").GetString());
        Assert.Equal(s_t0.AddSeconds(produced - 1), last.GetProperty("watermark").GetDateTimeOffset());
    }

    /// <summary>
    /// A silo restarted on a quiet stream reads nothing new, yet partitions restored each shard as active (idle is not
    /// persisted): the readers must say their shards are idle, or the shard that stays quiet holds every partition's
    /// watermark at its old value once the other has records again.
    /// </summary>
    [Fact]
    public async Task A_silo_restarted_on_a_quiet_stream_says_its_shards_are_idle_so_watermarks_follow_the_shard_with_records()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var settings = cluster.SiloSettings(
            "app-" + stream, stream, data.Path, ("Kinesis:EventTime:Source", "Event"), ("Kinesis:EventTime:IdleTimeout", "00:00:02"));
        const string first = "0", last = "340282366920938463463374607431768211455";

        // Every user's click in both shards, so every partition has both shards' watermarks.
        var clicks = Enumerable.Range(0, 40).Select(u => new ClickEvent($"user-{u}", "view", 1, s_t0.AddSeconds(u))).ToList();
        await using (var silo = await StartSiloAsync(settings))
        {
            foreach (var hashKey in new[] { first, last })
            {
                await cluster.Kinesis.PutRecordsAsync(stream, [.. clicks.Select(c => new PutRecordsRequestEntry(StateSerializer.Serialize(c), c.UserId, ExplicitHashKey: hashKey))]);
            }

            await LocalCluster.WaitForCaughtUpAsync(silo, 2 * clicks.Count);
            await WaitForAsync(
                () => silo.Source.Monitor.PartitionWatermarks.Values.ToList(),
                w => w.Count == 8 && w.All(t => t == s_t0.AddSeconds(39)) && silo.Source.Progress.All(p => silo.Source.Checkpointer.GetCheckpoint(p.ShardId) == p.LastSequenceNumber),
                "every partition at the last click's time, and the checkpoints at the last records");
        }

        await using var restarted = await StartSiloAsync(settings);
        var later = new ClickEvent("user-0", "view", 1, s_t0.AddHours(1));
        await cluster.Kinesis.PutRecordsAsync(stream, [new PutRecordsRequestEntry(StateSerializer.Serialize(later), later.UserId, ExplicitHashKey: first)]);

        await WaitForAsync(
            () => restarted.Source.Monitor.PartitionWatermarks.Values.ToList(),
            w => w.Count == 8 && w.All(t => t == later.Timestamp),
            "every partition's watermark at the new click's time (the quiet shard idle)");
        Assert.Contains(restarted.Source.Progress, p => p.Idle && p.RecordsRead == 0);
    }

    /// <summary>Counts the watermark updates (batches of no events) the receivers of <paramref name="stream"/> send.</summary>
    private static UpdateCounter CountWatermarkUpdates(string stream)
    {
        var counter = new UpdateCounter();
        counter.Listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StreamingKinesisMetrics.MeterName && instrument.Name == StreamingKinesisMetrics.WatermarkUpdates.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        counter.Listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "stream" && Equals(tag.Value, stream))
                {
                    counter.Add(value);
                }
            }
        });
        counter.Listener.Start();
        return counter;
    }

    private sealed class UpdateCounter : IDisposable
    {
        private long _count;

        public MeterListener Listener { get; } = new();

        public long Count => Interlocked.Read(ref _count);

        public void Add(long value) => Interlocked.Add(ref _count, value);

        public void Dispose() => Listener.Dispose();
    }

    /// <summary>A silo whose user-activity partitions take each click's Timestamp as its event time.</summary>
    private static Task<SiloInstance> StartSiloAsync(Dictionary<string, string?> settings) =>
        SiloHost.StartAsync(
            [],
            silo => silo.ConsumeStream<ClickEvent, UserActivityPartitionGrain>(IUserActivityPartition.StreamNamespace, eventTime: e => e.Timestamp),
            settings);

    private static async Task<JsonElement> StatusAsync(SiloInstance silo)
    {
        using var http = new HttpClient { BaseAddress = silo.HttpEndpoint };
        using var document = JsonDocument.Parse(await http.GetStringAsync("/status"));
        return document.RootElement.Clone();
    }

    private static async Task<IReadOnlyList<T>> WaitForAsync<T>(Func<IReadOnlyList<T>> read, Func<IReadOnlyList<T>, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + s_wait;
        while (true)
        {
            var value = read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not reached in {s_wait}: {what}");
            }

            await Task.Delay(100);
        }
    }
}
