namespace KinesisGrains.KeyedState.Timers;

/// <summary>
/// Expires a key's state after <paramref name="After"/> without an event for it: once expired it is invisible to
/// queries, and a timer removes it from RocksDB (so from snapshots) with a changelog delete, without any scan.
/// </summary>
/// <param name="After">How long a key lives after its last event.</param>
/// <param name="Domain">
/// Event time (default): measured on the events' times against the partition's watermark, deterministic on replay and
/// paused while the stream is quiet. Processing time: the silo's clock since the event was applied; it runs on during
/// an outage.
/// </param>
public sealed record StateTimeToLive(TimeSpan After, TimeDomain Domain = TimeDomain.EventTime)
{
    /// <summary>When a key last touched at <paramref name="touched"/> (ms on <see cref="Domain"/>'s clock) expires.</summary>
    internal long ExpiryOf(long touched) => touched + (long)After.TotalMilliseconds;
}
