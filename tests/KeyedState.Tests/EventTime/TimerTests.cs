using KinesisGrains.KeyedState.EventTime;
using Xunit;

namespace KinesisGrains.Tests.EventTime;

/// <summary>Timers, time-to-live and the partition's watermark on a real partition grain and RocksDB.</summary>
[Collection(nameof(EventTimeCollection))]
public sealed class TimerTests(EventTimeHarness harness)
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Timers_fire_once_per_key_and_time_in_time_then_key_order_over_several_turns()
    {
        const int partition = 1;
        var random = new Random(5);
        var expected = new SortedSet<(long Time, string Key)>();
        for (var batch = 0; batch < 6; batch++)
        {
            var events = new List<(string, long, DateTimeOffset)>();
            for (var i = 0; i < 500; i++)
            {
                var key = $"timer-{random.Next(400):D3}";
                var time = T0.AddSeconds(random.Next(0, 600)).ToUnixTimeMilliseconds();
                events.Add((key, time, T0));

                // The same key and time again: one timer.
                events.Add((key, time, T0));
                expected.Add((time, key));
            }

            // The watermark stays before every timer until all are registered.
            await harness.SendAsync<TimerLogGrain>(partition, "shard-t", events, T0.AddHours(-1));
        }

        // One jump makes all of them due: more than MaxTimersPerTurn (500), so they fire over several turns.
        await harness.SendAsync<TimerLogGrain>(partition, "shard-t", [], T0.AddHours(1));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        List<(long, string)> fired;
        do
        {
            await Task.Delay(100);
            await harness.BarrierAsync<TimerLogGrain>(partition);
            fired = [.. harness.TimerLog.Rows.Select(r => (r.GetProperty("time").GetInt64(), r.GetProperty("key").GetString()!)).Where(r => r.Item2.StartsWith("timer-", StringComparison.Ordinal))];
        }
        while (fired.Count < expected.Count && DateTime.UtcNow < deadline);

        Assert.True(expected.Count > 500);
        Assert.Equal([.. expected], fired);
        var one = expected.First().Key;
        Assert.Equal(expected.Count(e => e.Key == one), (await harness.Grains.GetGrain<ITestPartition>(partition, typeof(TimerLogGrain).FullName).GetAsync(one))!.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_timer_that_throws_is_dead_lettered_once_and_the_others_fire_once(bool writtenBeforeDue)
    {
        // Written: a barrier between the registration and the watermark that makes it due, so the store holds the
        // timer. Not written: the registering batch and the due one come back to back, so it fires from memory. Either
        // way the partition takes back what it had not written (the receiver replays it), and the timer dead-letters
        // when it fires stored.
        var partition = writtenBeforeDue ? 3 : 0;
        var shard = $"shard-bad-{partition}";
        var suffix = writtenBeforeDue ? "written" : "unwritten";
        var due = T0.AddSeconds(10).ToUnixTimeMilliseconds();
        var registering = await harness.SendAsync<TimerLogGrain>(partition, shard, [($"a-{suffix}", due, T0), ($"bad-{suffix}", due, T0), ($"c-{suffix}", due, T0)], T0.AddHours(-1));
        if (writtenBeforeDue)
        {
            await harness.BarrierAsync<TimerLogGrain>(partition);
        }

        var making = await harness.SendAsync<TimerLogGrain>(partition, shard, [], T0.AddHours(1));
        var checkpoint = harness.Grains.GetGrain<Abstractions.KeyedState.IPartitionCheckpoint>(partition, typeof(TimerLogGrain).FullName);
        // It holds the shard up to its last write: the replay starts there.
        Assert.Equal(writtenBeforeDue ? registering.To : null, await checkpoint.GetCoveredAsync(shard));
        if (!writtenBeforeDue)
        {
            await harness.DeliverAgainAsync<TimerLogGrain>(registering);
        }

        await harness.DeliverAgainAsync<TimerLogGrain>(making);

        await harness.BarrierAsync<TimerLogGrain>(partition);
        var fired = harness.TimerLog.Rows.Select(r => r.GetProperty("key").GetString()!).Where(k => k.EndsWith(suffix, StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        Assert.Equal([$"a-{suffix}", $"c-{suffix}"], fired);
        var letters = harness.DeadLetters($"timer-log timer of key 'bad-{suffix}'");
        var letter = Assert.Single(letters);
        Assert.Contains("no timer for", letter.Reason, StringComparison.Ordinal);
        var grain = harness.Grains.GetGrain<ITestPartition>(partition, typeof(TimerLogGrain).FullName);
        Assert.Equal(1, (await grain.GetAsync($"a-{suffix}"))!.Count);
        Assert.Equal(0, (await grain.GetAsync($"bad-{suffix}"))!.Count);
    }

    [Fact]
    public async Task A_state_expires_after_its_time_to_live_without_events_and_starts_again_after()
    {
        const int partition = 2;
        var grain = harness.Grains.GetGrain<ITestPartition>(partition, typeof(ExpiringCounterGrain).FullName);
        await harness.SendAsync<ExpiringCounterGrain>(partition, "shard-x", [("ttl-a", 0, T0), ("ttl-b", 0, T0), ("ttl-c", 0, T0), ("ttl-c", 0, T0.AddMinutes(8))], T0.AddMinutes(9));
        Assert.Equal(2, (await grain.GetAsync("ttl-c"))!.Count);
        Assert.NotNull(await grain.GetAsync("ttl-a"));

        // 11 minutes: a and b are 11 minutes past their last event (gone), c 3 minutes.
        await harness.SendAsync<ExpiringCounterGrain>(partition, "shard-x", [], T0.AddMinutes(11));
        Assert.Null(await grain.GetAsync("ttl-a"));
        Assert.Null(await grain.GetAsync("ttl-b"));
        Assert.Equal(2, (await grain.GetAsync("ttl-c"))!.Count);
        await harness.BarrierAsync<ExpiringCounterGrain>(partition);
        Assert.Equal(["ttl-a", "ttl-b"], Deleted());

        // An event for an expired key starts it from nothing; c goes at 18 minutes.
        await harness.SendAsync<ExpiringCounterGrain>(partition, "shard-x", [("ttl-a", 0, T0.AddMinutes(12))], T0.AddMinutes(19));
        Assert.Equal(1, (await grain.GetAsync("ttl-a"))!.Count);
        Assert.Null(await grain.GetAsync("ttl-c"));
        await harness.BarrierAsync<ExpiringCounterGrain>(partition);
        Assert.Equal(["ttl-a", "ttl-b", "ttl-c"], Deleted());

        List<string> Deleted() =>
            [.. harness.Expiring.Rows.Where(r => r.GetProperty("deleted").GetBoolean()).Select(r => r.GetProperty("key").GetString()!).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task The_watermark_survives_a_deactivation_and_never_moves_back()
    {
        const int partition = 3;
        var grain = harness.Grains.GetGrain<ITestPartition>(partition, typeof(ExpiringCounterGrain).FullName);
        await harness.SendAsync<ExpiringCounterGrain>(partition, "shard-w2", [("wm", 0, T0)], T0.AddMinutes(3));
        await harness.SendAsync<ExpiringCounterGrain>(partition, "shard-w1", [("wm", 0, T0)], T0.AddMinutes(5));
        Assert.Equal(T0.AddMinutes(3), await grain.GetWatermarkAsync());
        await harness.BarrierAsync<ExpiringCounterGrain>(partition);

        await grain.DeactivateAsync();
        await Task.Delay(200);

        // A restarted reader says less (it regenerates from its checkpoint): the partition keeps what it had.
        await harness.SendAsync<ExpiringCounterGrain>(partition, "shard-w2", [("wm", 0, T0)], T0.AddMinutes(1));
        Assert.Equal(T0.AddMinutes(3), await grain.GetWatermarkAsync());

        // The slow shard turns idle: the other one decides, once the new activation has had a barrier round (until
        // then it cannot know every open shard, so the shards it heard from do not move it alone).
        await harness.SendAsync<ExpiringCounterGrain>(partition, "shard-w2", [], T0.AddMinutes(1), idle: true);
        Assert.Equal(T0.AddMinutes(3), await grain.GetWatermarkAsync());
        await harness.OpenAsync<ExpiringCounterGrain>(partition, "shard-w1", "shard-w2");
        Assert.Equal(T0.AddMinutes(5), await grain.GetWatermarkAsync());
    }

    [Fact]
    public async Task A_parents_ending_round_that_names_its_children_leaves_the_watermark_where_the_parent_left_it()
    {
        // The parent ends in a round that also names its children (their leases not listed yet, or just listed): the
        // children start at the watermark the parent held, so their records are not late by the other shard alone.
        const int partition = 0;
        var grain = harness.Grains.GetGrain<ITestPartition>(partition, typeof(ExpiringCounterGrain).FullName);
        await harness.OpenAsync<ExpiringCounterGrain>(partition, "shard-parent", "shard-other");
        await harness.SendAsync<ExpiringCounterGrain>(partition, "shard-parent", [("split", 0, T0)], T0.AddMinutes(3));
        await harness.SendAsync<ExpiringCounterGrain>(partition, "shard-other", [("split", 0, T0)], T0.AddMinutes(10));
        Assert.Equal(T0.AddMinutes(3), await grain.GetWatermarkAsync());

        await harness.EndAsync<ExpiringCounterGrain>(partition, "shard-parent", "shard-child-1", "shard-child-2");
        Assert.Equal(T0.AddMinutes(3), await grain.GetWatermarkAsync());

        // The children's news moves it, each from where the parent left it.
        await harness.SendAsync<ExpiringCounterGrain>(partition, "shard-child-1", [("split", 0, T0.AddMinutes(4))], T0.AddMinutes(4));
        await harness.SendAsync<ExpiringCounterGrain>(partition, "shard-child-2", [("split", 0, T0.AddMinutes(5))], T0.AddMinutes(5));
        Assert.Equal(T0.AddMinutes(4), await grain.GetWatermarkAsync());
    }

    [Fact]
    public async Task A_parents_ending_round_that_gives_the_partition_its_first_watermark_starts_the_children_at_the_parents_last()
    {
        // A reader behind a reshard: the parent's ending round is all this partition hears of it (its keys are the other
        // partitions'), and the partition has no watermark yet. Started at none, the children would hold it at none
        // until their own first word, and their children, named at their ends in turn, likewise: a catch-up through
        // reshards applied every event without a watermark (the resharding end-to-end test saw none at every key).
        const int partition = 4;
        var grain = harness.Grains.GetGrain<ITestPartition>(partition, typeof(ExpiringCounterGrain).FullName);
        await harness.OpenAsync<ExpiringCounterGrain>(partition, "shard-parent", "shard-other");
        await harness.SendAsync<ExpiringCounterGrain>(partition, "shard-other", [("catch-up", 0, T0)], T0.AddMinutes(10));
        Assert.Null(await grain.GetWatermarkAsync());

        await harness.EndElsewhereAsync<ExpiringCounterGrain>(partition, "shard-parent", T0.AddMinutes(3), "shard-child-1", "shard-child-2");
        Assert.Equal(T0.AddMinutes(3), await grain.GetWatermarkAsync());

        // A child's end names its own children from the watermark the partition now has; the others' news moves it.
        await harness.EndElsewhereAsync<ExpiringCounterGrain>(partition, "shard-child-1", T0.AddMinutes(6), "shard-grandchild");
        await harness.SendAsync<ExpiringCounterGrain>(partition, "shard-child-2", [("catch-up", 0, T0.AddMinutes(7))], T0.AddMinutes(7));
        Assert.Equal(T0.AddMinutes(3), await grain.GetWatermarkAsync());
        await harness.SendAsync<ExpiringCounterGrain>(partition, "shard-grandchild", [("catch-up", 0, T0.AddMinutes(8))], T0.AddMinutes(8));
        Assert.Equal(T0.AddMinutes(7), await grain.GetWatermarkAsync());
    }
}

/// <summary>The partition watermark's rules, alone.</summary>
public sealed class PartitionWatermarkTests
{
    [Fact]
    public void It_is_the_minimum_over_active_shards_and_never_moves_back()
    {
        var watermark = new PartitionWatermark([], null);
        watermark.OpenShardsHeard();
        Assert.True(watermark.Observe("a", At(100), idle: false));
        Assert.False(watermark.Observe("b", null, idle: false));
        Assert.Equal(100, watermark.Current);

        // b started at a's watermark (a child after a split starts where the partition is); it holds a back.
        Assert.False(watermark.Observe("a", At(200), idle: false));
        Assert.Equal(100, watermark.Current);
        Assert.True(watermark.Observe("b", At(150), idle: false));
        Assert.Equal(150, watermark.Current);

        // Lower news changes nothing.
        Assert.False(watermark.Observe("b", At(50), idle: false));
        Assert.Equal(150, watermark.Current);
    }

    [Fact]
    public void Idle_and_ended_shards_are_left_out_and_every_shard_idle_moves_to_the_newest()
    {
        var watermark = new PartitionWatermark([], null);
        watermark.OpenShardsHeard();
        watermark.Observe("a", At(100), idle: false);
        watermark.Observe("b", At(300), idle: false);
        Assert.Equal(100, watermark.Current);
        watermark.Observe("a", At(100), idle: true);
        Assert.Equal(300, watermark.Current);
        watermark.Observe("a", At(400), idle: false);
        Assert.Equal(300, watermark.Current);
        watermark.Observe("b", At(300), idle: false, ended: true);
        Assert.Equal(400, watermark.Current);
        watermark.Observe("a", At(400), idle: true);
        watermark.Observe("c", At(500), idle: true);
        Assert.Equal(500, watermark.Current);
    }

    [Fact]
    public void It_stays_until_a_barrier_round_names_the_open_shards()
    {
        // A restore that never heard of shard c: before a round, a's and b's news must not move the watermark alone.
        var watermark = new PartitionWatermark([new("a", new KnownShardWatermark(100, false, false)), new("b", new KnownShardWatermark(100, false, false))], 100);
        Assert.False(watermark.Observe("a", At(300), idle: false));
        Assert.False(watermark.Observe("b", At(300), idle: false));
        Assert.Equal(100, watermark.Current);

        // The round names c (open, read by another silo): it counts from the partition's watermark on, and holds it.
        watermark.Know("c");
        Assert.False(watermark.OpenShardsHeard());
        Assert.Equal(100, watermark.Current);
        Assert.True(watermark.Observe("c", At(250), idle: false));
        Assert.Equal(250, watermark.Current);
    }

    [Fact]
    public void A_refused_shard_holds_the_watermark_even_if_it_was_idle()
    {
        var watermark = new PartitionWatermark([], null);
        watermark.OpenShardsHeard();
        watermark.Observe("a", At(100), idle: false);
        watermark.Observe("b", At(100), idle: true);

        // b's events are missing here (a gap): its replay must not find their windows closed by a's watermark.
        watermark.Hold("b");
        watermark.Hold("c");
        Assert.False(watermark.Observe("a", At(500), idle: false));
        Assert.Equal(100, watermark.Current);
        Assert.False(watermark.Shards["b"].Idle);
        Assert.Equal(100, watermark.Shards["c"].Value);

        // Known shards are not reset by a name.
        watermark.Know("a");
        Assert.Equal(500, watermark.Shards["a"].Value);
    }

    [Fact]
    public void A_named_shards_start_counts_only_where_the_partition_has_no_watermark_for_it()
    {
        // No watermark yet: a child named with its parent's last watermark starts there, not at none.
        var watermark = new PartitionWatermark([], null);
        watermark.OpenShardsHeard();
        watermark.Know("a");
        watermark.Observe("b", At(500), idle: false);
        Assert.Null(watermark.Current);
        watermark.Know("child", At(200));
        Assert.Equal(200, watermark.Shards["child"].Value);

        // Known without a watermark (an earlier round named it knowing no start): the start lifts it from none.
        watermark.Know("a", At(300));
        Assert.Equal(300, watermark.Shards["a"].Value);
        Assert.True(watermark.OpenShardsHeard());
        Assert.Equal(200, watermark.Current);

        // With a watermark, a shard first heard of starts at it, whatever the round says; a known value stays.
        watermark.Know("late-child", At(100));
        Assert.Equal(200, watermark.Shards["late-child"].Value);
        watermark.Know("child", At(900));
        Assert.Equal(200, watermark.Shards["child"].Value);
    }

    [Fact]
    public void It_restores_as_written()
    {
        var watermark = new PartitionWatermark([new("a", new KnownShardWatermark(100, false, false)), new("b", new KnownShardWatermark(200, false, true))], 100);
        watermark.OpenShardsHeard();
        Assert.False(watermark.Observe("a", At(90), idle: false));
        Assert.True(watermark.Observe("a", At(150), idle: false));
        Assert.Equal(150, watermark.Current);
    }

    private static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
