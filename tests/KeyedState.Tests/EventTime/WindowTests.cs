using System.Text.Json;
using Xunit;

namespace KinesisGrains.Tests.EventTime;

/// <summary>Windows against a ground truth the test computes from the events it sends, out of order and late.</summary>
[Collection(nameof(EventTimeCollection))]
public sealed class WindowTests(EventTimeHarness harness)
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Tumbling_counts_take_out_of_order_events_update_within_the_lateness_and_send_later_ones_to_the_side_output()
    {
        const int partition = 1;
        var random = new Random(15);
        var keys = Enumerable.Range(0, 5).Select(i => $"tumble-{i}").ToArray();
        var windowMs = (long)TimeSpan.FromMinutes(1).TotalMilliseconds;
        var latenessMs = (long)TimeSpan.FromSeconds(30).TotalMilliseconds;

        // The partition's rules, replayed by the test: an event sees the watermark of the batches before its own.
        var truth = new Dictionary<(string Key, long Start), long>();
        var late = 0;
        var updates = 0;
        long? watermark = null;
        long maxSeen = long.MinValue;
        for (var batch = 0; batch < 40; batch++)
        {
            var events = new List<(string, long, DateTimeOffset)>();
            for (var i = 0; i < 50; i++)
            {
                var n = batch * 50 + i;
                var jitter = random.Next(0, 45_000);
                var time = T0.AddSeconds(n).AddMilliseconds(-jitter);
                if (random.Next(100) == 0)
                {
                    time = time.AddMinutes(-3);
                }

                var key = keys[random.Next(keys.Length)];
                events.Add((key, 0, time));
                var ms = time.ToUnixTimeMilliseconds();
                var start = ms - ((ms % windowMs) + windowMs) % windowMs;
                var end = start + windowMs;
                if (watermark is { } w && end - 1 + latenessMs <= w)
                {
                    late++;
                    continue;
                }

                if (watermark is { } fired && end - 1 <= fired)
                {
                    updates++;
                }

                truth[(key, start)] = truth.GetValueOrDefault((key, start)) + 1;
                maxSeen = Math.Max(maxSeen, ms);
            }

            // The shard's watermark: the newest event time minus 10 s of out-of-orderness.
            var batchWatermark = DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(maxSeen, events.Max(e => e.Item3.ToUnixTimeMilliseconds())) - 10_000);
            maxSeen = Math.Max(maxSeen, events.Max(e => e.Item3.ToUnixTimeMilliseconds()));
            await harness.SendAsync<TumblingCountGrain>(partition, "shard-a", events, batchWatermark);
            watermark = Math.Max(watermark ?? long.MinValue, batchWatermark.ToUnixTimeMilliseconds());
            if (batch % 10 == 9)
            {
                await harness.BarrierAsync<TumblingCountGrain>(partition);
            }
        }

        // A watermark an hour on closes every window.
        await harness.SendAsync<TumblingCountGrain>(partition, "shard-a", [], T0.AddHours(2));
        await harness.BarrierAsync<TumblingCountGrain>(partition);

        var rows = harness.Tumbling.Rows.Where(r => r.GetProperty("key").GetString()!.StartsWith("tumble-", StringComparison.Ordinal)).ToList();
        var latest = rows
            .GroupBy(r => (r.GetProperty("key").GetString()!, r.GetProperty("windowStart").GetDateTimeOffset().ToUnixTimeMilliseconds()))
            .ToDictionary(g => g.Key, g => g.MaxBy(r => r.GetProperty("revision").GetInt32()));
        Assert.Equal(truth.Count, latest.Count);
        foreach (var ((key, start), count) in truth)
        {
            Assert.True(latest.TryGetValue((key, start), out var row), $"no row for {key} at {DateTimeOffset.FromUnixTimeMilliseconds(start):O}");
            Assert.Equal(count, row.GetProperty("value").GetInt64());
        }

        // One row per window at its end, one more per event that came after it fired but within the lateness.
        Assert.Equal(truth.Count + updates, rows.Count);
        Assert.True(late > 0 && updates > 0, $"the data must have late events of both kinds, or the test tests nothing (late {late}, updates {updates})");
        Assert.Equal(late, harness.DeadLetters("late").Count(l => l.PartitionKey.StartsWith("tumble-", StringComparison.Ordinal)));

        // A query sees the closed windows with the same values.
        var windows = await harness.Grains.GetGrain<ITestWindowPartition>(partition, typeof(TumblingCountGrain).FullName).GetWindowsAsync(keys[0]);
        Assert.NotEmpty(windows);
        Assert.All(windows, w => Assert.True(w.Closed));
        Assert.All(windows, w => Assert.Equal(truth[(keys[0], w.Start.ToUnixTimeMilliseconds())], w.Value));
    }

    [Fact]
    public async Task A_late_event_that_bridges_two_fired_sessions_merges_them_and_retracts_the_absorbed_one()
    {
        const int partition = 2;
        var minutes = (double m) => T0.AddMinutes(m);

        // Session A: 0 and 10 min; session B: 60 and 65 min (a gap of 50 > 30 min between them).
        await harness.SendAsync<SessionCountGrain>(partition, "shard-s", [("bridge", 0, minutes(0)), ("bridge", 0, minutes(10)), ("bridge", 0, minutes(60)), ("bridge", 0, minutes(65))], minutes(97));
        await harness.BarrierAsync<SessionCountGrain>(partition);
        var fired = Rows();
        Assert.Equal([(minutes(0), minutes(40), 2L, 1, false), (minutes(60), minutes(95), 2L, 1, false)], fired);

        // Both fired (the watermark passed 95 min) and are open for an hour more. 35 min is within 30 min of both: one
        // session [0, 95) of five events; B's result is retracted.
        await harness.SendAsync<SessionCountGrain>(partition, "shard-s", [("bridge", 0, minutes(35))], minutes(97));
        await harness.BarrierAsync<SessionCountGrain>(partition);
        var all = Rows();
        Assert.Equal(fired.Count + 2, all.Count);
        Assert.Contains((minutes(60), minutes(95), 2L, 2, true), all);
        Assert.Contains((minutes(0), minutes(95), 5L, 2, false), all);

        // Past the lateness the merged session is final, and a query shows it closed.
        await harness.SendAsync<SessionCountGrain>(partition, "shard-s", [], minutes(200));
        await harness.BarrierAsync<SessionCountGrain>(partition);
        var windows = await harness.Grains.GetGrain<ITestWindowPartition>(partition, typeof(SessionCountGrain).FullName).GetWindowsAsync("bridge");
        var only = Assert.Single(windows);
        Assert.Equal((minutes(0), minutes(95), 5L, true), (only.Start, only.End, only.Value, only.Closed));

        List<(DateTimeOffset, DateTimeOffset, long, int, bool)> Rows() =>
            [.. harness.Sessions.Rows.Where(r => r.GetProperty("key").GetString() == "bridge").Select(r => (
                r.GetProperty("windowStart").GetDateTimeOffset(), r.GetProperty("windowEnd").GetDateTimeOffset(), r.GetProperty("value").GetInt64(),
                r.GetProperty("revision").GetInt32(), r.GetProperty("retracted").GetBoolean()))];
    }

    [Fact]
    public async Task Sessions_per_key_match_the_gaps_in_the_events()
    {
        const int partition = 3;
        var random = new Random(30);
        var truth = new List<(string Key, DateTimeOffset Start, DateTimeOffset End, long Count)>();
        var events = new List<(string Key, long Value, DateTimeOffset Time)>();
        for (var k = 0; k < 20; k++)
        {
            var key = $"user-{k}";
            var time = T0.AddMinutes(random.Next(0, 20));
            for (var session = 0; session < 3; session++)
            {
                var start = time;
                var count = random.Next(1, 6);
                for (var i = 0; i < count; i++)
                {
                    events.Add((key, 0, time));
                    if (i < count - 1)
                    {
                        time = time.AddMinutes(random.Next(0, 29));
                    }
                }

                truth.Add((key, start, time.AddMinutes(30), count));
                time = time.AddMinutes(31 + random.Next(0, 60));
            }
        }

        // In time order within a key, keys interleaved; the watermark trails by an hour (within the lateness).
        var ordered = events.OrderBy(e => e.Time).ThenBy(e => e.Key).ToList();
        foreach (var chunk in ordered.Chunk(25))
        {
            await harness.SendAsync<SessionCountGrain>(partition, "shard-u", chunk, chunk.Max(e => e.Time).AddMinutes(-59));
        }

        await harness.SendAsync<SessionCountGrain>(partition, "shard-u", [], T0.AddDays(1));
        await harness.BarrierAsync<SessionCountGrain>(partition);

        var rows = harness.Sessions.Rows
            .Where(r => r.GetProperty("key").GetString()!.StartsWith("user-", StringComparison.Ordinal))
            .GroupBy(r => (r.GetProperty("key").GetString()!, r.GetProperty("windowStart").GetDateTimeOffset()))
            .Select(g => g.MaxBy(r => r.GetProperty("revision").GetInt32()))
            .Where(r => !r.GetProperty("retracted").GetBoolean())
            .Select(r => (r.GetProperty("key").GetString()!, r.GetProperty("windowStart").GetDateTimeOffset(), r.GetProperty("windowEnd").GetDateTimeOffset(), r.GetProperty("value").GetInt64()))
            .OrderBy(r => r.Item1, StringComparer.Ordinal).ThenBy(r => r.Item2)
            .ToList();
        Assert.Equal(truth.OrderBy(t => t.Key, StringComparer.Ordinal).ThenBy(t => t.Start).ToList(), rows);
    }
}

[CollectionDefinition(nameof(EventTimeCollection))]
public sealed class EventTimeCollection : ICollectionFixture<EventTimeHarness>;
