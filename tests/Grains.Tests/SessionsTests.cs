using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Windows;
using KinesisGrains.Grains.Sessions;
using KinesisGrains.Grains.UserActivity;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>Each user's sessions from the clickstream's own batches, fired by the shard's watermark.</summary>
public sealed class SessionsTests(ClickstreamSilo silo) : IClassFixture<ClickstreamSilo>
{
    [Fact]
    public async Task A_session_closes_when_the_watermark_passes_its_last_click_plus_the_gap_and_the_next_click_opens_another()
    {
        var t0 = silo.NewStart();
        const string user = "session-user";
        await silo.ReadAsync(t0.AddMinutes(10), [Click(user, 100, t0), Click(user, 200, t0.AddMinutes(10))]);

        var open = await SessionsAsync(user, s => s.Length == 1 && s[0].Events == 2);
        Assert.Equal([new WindowResult<long>(t0, t0.AddMinutes(40), 300, 2, Fired: false, Closed: false)], open);

        await silo.ReadAsync(t0.AddMinutes(60), [Click(user, 50, t0.AddMinutes(60))]);

        // Closed once its timer fired (after the batch that moved the watermark), not merely once the next click is in.
        var two = await SessionsAsync(user, s => s.Length == 2 && s[0].Closed);
        Assert.Equal(
            [
                new WindowResult<long>(t0, t0.AddMinutes(40), 300, 2, Fired: true, Closed: true),
                new WindowResult<long>(t0.AddMinutes(60), t0.AddMinutes(90), 50, 1, Fired: false, Closed: false),
            ],
            two);
    }

    [Fact]
    public async Task A_user_is_forgotten_after_90_days_without_a_click_by_event_time()
    {
        var t0 = silo.NewStart();
        const string user = "leaving-user";
        await silo.ReadAsync(t0, [Click(user, 10, t0)]);
        Assert.Single(await SessionsAsync(user, s => s.Length == 1));

        await silo.ReadAsync(t0.AddDays(91), []);

        Assert.Empty(await SessionsAsync(user, s => s.Length == 0));
    }

    [Fact]
    public async Task A_record_the_handler_rejected_is_dead_lettered_once_by_the_user_activity_beside_the_sessions()
    {
        var t0 = silo.NewStart();
        const string user = "rejected-user";
        await silo.ReadAsync(t0, [Click(user, 10, t0)], (user, "not a JSON ClickEvent"));
        await SessionsAsync(user, s => s.Length == 1);
        await ClickstreamSilo.EventuallyAsync(() => silo.Client.GetUserActivity(user).GetSummaryAsync(), s => s.EventCount == 1);

        await silo.BarrierAsync<UserActivityPartitionGrain>();
        await silo.BarrierAsync<UserSessionsPartitionGrain>();
        await silo.BarrierAsync<Grains.EventsPerMinute.EventsPerMinutePartitionGrain>();

        var letter = Assert.Single(silo.DeadLetters(), l => l.PartitionKey == user);
        Assert.Equal("not a JSON ClickEvent", letter.Reason);
    }

    private Task<WindowResult<long>[]> SessionsAsync(string user, Func<WindowResult<long>[], bool> done) =>
        ClickstreamSilo.EventuallyAsync(() => silo.Client.GetKeyedGrain<IUserSessions>(user).GetSessionsAsync(), done);

    private static ClickEvent Click(string user, long bytes, DateTimeOffset time) => new(user, "view", bytes, time);
}
