namespace KinesisGrains.Grains.UserActivity;

/// <summary>
/// The row the user-activity logic emits per click (for sinks with <c>Output = Emitted</c>): the event, enriched with
/// its number among the user's events. A user's rows number 1, 2, ... N with no gap and no repeat, which is how a
/// reader can check the table holds each event exactly once.
/// </summary>
/// <param name="UserId">The user (the state key).</param>
/// <param name="EventNumber">1 for the user's first event, then one more per event.</param>
public readonly record struct UserClickRow(string UserId, long EventNumber, string Type, long Bytes, DateTimeOffset Timestamp, string ShardId, string SequenceNumber);
