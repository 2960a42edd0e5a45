using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Grains.Clickstream;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.KeyedState.Timers;
using KinesisGrains.KeyedState.Windows;
using Orleans;
using Orleans.Streams;

namespace KinesisGrains.Grains.Sessions;

/// <summary>
/// Each user's sessions: session windows of <see cref="IUserSessions.Gap"/> over the clickstream keyed by user,
/// counting clicks and adding their bytes. A session's result goes to the sinks once the watermark passes its end.
/// It reads the user activity's batches; records the message handler rejected are the user activity's to dead-letter.
/// </summary>
[ImplicitStreamSubscription(IUserActivityPartition.StreamNamespace)]
public sealed class UserSessionsPartitionGrain
    : WindowedPartitionGrain<ClickEvent, long, long>, IUserSessionsPartition, IAsyncObserver<KeyedEventBatch<ClickEvent>>
{
    private static readonly WindowAssigner s_sessions = WindowAssigner.Session(IUserSessions.Gap);

    // The accumulator is the bytes; the window counts the clicks itself.
    private static readonly WindowAggregate<ClickEvent, long, long> s_bytes = WindowAggregates.Create<ClickEvent, long, long>(
        () => 0, (bytes, click) => checked(bytes + click.Bytes), (left, right) => checked(left + right), bytes => bytes);

    private static readonly StateTimeToLive s_forgetAfter = new(TimeSpan.FromDays(90));

    protected override string StateName => "user-sessions";

    protected override WindowAssigner Windows => s_sessions;

    protected override WindowAggregate<ClickEvent, long, long> Aggregate => s_bytes;

    protected override int RecentWindowsKept => IUserSessions.ClosedSessionsKept;

    /// <summary>A user who has not clicked for 90 days (by event time) is forgotten: no state kept for users who left.</summary>
    protected override StateTimeToLive TimeToLive => s_forgetAfter;

    /// <summary>Applies a delivery of the clickstream, its rejected records left to the user activity.</summary>
    public new Task OnNextAsync(KeyedEventBatch<ClickEvent> batch, StreamSequenceToken? token = null) =>
        base.OnNextAsync(ClickstreamBatches.WithoutRejected(batch), token);
}
