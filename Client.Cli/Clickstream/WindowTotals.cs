using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Windows;
using KinesisGrains.Cli.Output;
using KinesisGrains.Client;
using KinesisGrains.Grains.EventsPerMinute;
using KinesisGrains.Grains.Sessions;
using Orleans;

namespace KinesisGrains.Cli.Clickstream;

/// <summary>
/// Checks the event-time windows against the ground truth by what holds whichever clock stamped the events (the
/// clicks' own timestamps, or Kinesis' arrival times): a user's sessions hold exactly its clicks and bytes, and do
/// not overlap; an event type's minutes hold exactly its clicks, a minute each. A key that has as many closed windows
/// as its grain keeps may have dropped older ones: it is left out (counted as skipped), never called a mismatch.
/// </summary>
public static class WindowTotals
{
    /// <summary>Compares once per second until everything matches or <paramref name="timeout"/> passes (each grain class reads the stream at its own pace); an over-count returns at once.</summary>
    public static async Task<WindowCheck> VerifyUntilExactAsync(GroundTruth truth, IGrainFactory grains, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var check = await VerifyAsync(truth, grains, cancellationToken);
            if (check.Mismatches.Count == 0 || check.OverCounted || DateTime.UtcNow > deadline)
            {
                return check;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    public static async Task<WindowCheck> VerifyAsync(GroundTruth truth, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var check = new WindowCheck();
        await Parallel.ForEachAsync(truth.Users.Values, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (want, token) =>
        {
            var sessions = await ClusterCallRetry.RunAsync(() => grains.GetKeyedGrain<IUserSessions>(want.UserId).GetSessionsAsync(), cancellationToken: token);
            lock (check)
            {
                check.Add(KeyText.Of(want.UserId), sessions, want.EventCount, want.TotalBytes, IUserSessions.ClosedSessionsKept, SessionProblem(sessions));
                check.Sessions += sessions.Length;
            }
        });

        var types = truth.Users.Values.SelectMany(u => u.EventsByType).GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(p => p.Value), StringComparer.Ordinal);
        foreach (var (type, events) in types.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var minutes = await ClusterCallRetry.RunAsync(() => grains.GetKeyedGrain<IEventsPerMinute>(type).GetMinutesAsync(), cancellationToken: cancellationToken);
            check.Add($"type {KeyText.Of(type)}", minutes, events, bytes: null, IEventsPerMinute.ClosedMinutesKept, MinuteProblem(minutes));
            check.Minutes += minutes.Length;
            check.Types++;
        }

        return check;
    }

    private static string? SessionProblem(WindowResult<long>[] sessions)
    {
        for (var i = 0; i < sessions.Length; i++)
        {
            if (sessions[i].End - sessions[i].Start < IUserSessions.Gap)
            {
                return $"session {WindowText.Time(sessions[i].Start)} is shorter than the gap";
            }

            if (i > 0 && sessions[i].Start < sessions[i - 1].End)
            {
                return $"sessions {WindowText.Time(sessions[i - 1].Start)} and {WindowText.Time(sessions[i].Start)} overlap";
            }
        }

        return null;
    }

    private static string? MinuteProblem(WindowResult<long>[] minutes) =>
        minutes.FirstOrDefault(m => m.End - m.Start != IEventsPerMinute.Window || m.Start.ToUnixTimeMilliseconds() % (long)IEventsPerMinute.Window.TotalMilliseconds != 0) is { } odd
            ? $"window {WindowText.Time(odd.Start)}..{WindowText.Time(odd.End)} is not a minute"
            : null;
}
