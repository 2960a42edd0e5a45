using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Windows;
using KinesisGrains.Grains.EventsPerMinute;
using KinesisGrains.Grains.UserActivity;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>
/// A type's clicks per minute: counted per type in every partition (the clickstream is keyed by user) and added up by
/// the query grain; updated for late clicks within the allowed lateness, final after it.
/// </summary>
public sealed class EventsPerMinuteTests(ClickstreamSilo silo) : IClassFixture<ClickstreamSilo>
{
    [Fact]
    public async Task Minutes_add_up_the_partitions_parts_fire_at_the_watermark_take_late_clicks_within_the_lateness_and_refuse_later_ones()
    {
        var t0 = silo.NewStart();
        // Users of different partitions: each partition holds a part of the type's minutes.
        var users = Enumerable.Range(0, 100).Select(i => $"minute-user-{i}").GroupBy(ClickstreamSilo.PartitionOf).Select(g => g.First()).Take(3).ToArray();
        Assert.Equal(3, users.Length);
        await silo.ReadAsync(t0.AddSeconds(70),
        [
            Click(users[0], "view", t0.AddSeconds(10)),
            Click(users[1], "view", t0.AddSeconds(50)),
            Click(users[1], "click", t0.AddSeconds(20)),
            Click(users[0], "view", t0.AddSeconds(65)),
        ]);

        // Each partition applies its batch on its own: wait for both parts of the first minute.
        var fired = await MinutesAsync("view", m => m.Length == 2 && m[0].Fired && m[0].Events == 2);
        Assert.Equal(
            [
                new WindowResult<long>(t0, t0.AddMinutes(1), 2, 2, Fired: true, Closed: false),
                new WindowResult<long>(t0.AddMinutes(1), t0.AddMinutes(2), 1, 1, Fired: false, Closed: false),
            ],
            fired);
        Assert.Equal([new WindowResult<long>(t0, t0.AddMinutes(1), 1, 1, Fired: true, Closed: false)], await MinutesAsync("click", m => m.Length == 1 && m[0].Fired));

        // 40 s behind the watermark: within the minute of allowed lateness, the fired minute is updated.
        await silo.ReadAsync(t0.AddSeconds(70), [Click(users[2], "view", t0.AddSeconds(30))]);
        // The third partition's part opens late, already due: its timer fires it after the batch.
        var updated = await MinutesAsync("view", m => m[0].Events == 3 && m[0].Fired);
        Assert.Equal(new WindowResult<long>(t0, t0.AddMinutes(1), 3, 3, Fired: true, Closed: false), updated[0]);

        // The watermark past the first minute's end plus the lateness closes it: a click for it now is late.
        await silo.ReadAsync(t0.AddMinutes(3), []);
        var closed = await MinutesAsync("view", m => m.All(w => w.Closed));
        Assert.Equal([(3L, true), (1L, true)], closed.Select(m => (m.Events, m.Closed)));

        await silo.ReadAsync(t0.AddMinutes(3), [Click(users[0], "view", t0.AddSeconds(40))]);
        await ClickstreamSilo.EventuallyAsync(() => silo.Client.GetUserActivity(users[0]).GetSummaryAsync(), s => s.EventCount == 3);
        await silo.BarrierAsync<EventsPerMinutePartitionGrain>();
        Assert.Equal(closed, await silo.Client.GetGrain<IEventsPerMinute>("view").GetMinutesAsync());
        var late = Assert.Single(silo.DeadLetters(), l => l.Reason.StartsWith("late", StringComparison.Ordinal));
        Assert.Equal(users[0], late.PartitionKey);
    }

    [Fact]
    public void Parts_of_a_minute_add_up_and_a_minute_older_than_a_part_kept_is_left_out()
    {
        var t0 = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        WindowResult<long> Minute(int minute, long events, bool closed = true) =>
            new(t0.AddMinutes(minute), t0.AddMinutes(minute + 1), events, events, closed, closed);

        // Part one kept its last 2 closed minutes (it may have dropped minute 0); part two still has minute 0.
        var sum = WindowParts.Sum([[Minute(1, 2), Minute(2, 3)], [Minute(0, 5), Minute(2, 1), Minute(3, 4, closed: false)]], closedKept: 2);

        Assert.Equal([Minute(1, 2), Minute(2, 4), Minute(3, 4, closed: false)], sum);
    }

    private Task<WindowResult<long>[]> MinutesAsync(string type, Func<WindowResult<long>[], bool> done) =>
        ClickstreamSilo.EventuallyAsync(() => silo.Client.GetKeyedGrain<IEventsPerMinute>(type).GetMinutesAsync(), done);

    private static ClickEvent Click(string user, string type, DateTimeOffset time) => new(user, type, 100, time);
}
