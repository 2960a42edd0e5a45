namespace KinesisGrains.Streaming.Kinesis.Source;

/// <summary>
/// One shard's event-time watermark as its receiver reads it (Flink's bounded out-of-orderness, per split): the latest
/// event time read from the shard minus the out-of-orderness, never moving backwards; null before the first event.
/// It lives as long as its receiver: a new reader of the shard starts at null, and partitions, which keep each shard's
/// watermark with their state, take the larger of theirs and the new one. Plain C#, single-threaded by its receiver.
/// </summary>
/// <remarks>
/// Idleness here is only the clock (no event for the idle timeout); the receiver adds what only it knows, that nothing
/// waits to be read, since a backpressured or lagging shard is slow, not idle.
/// </remarks>
internal sealed class ShardWatermark
{
    private readonly TimeSpan _outOfOrderness;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeProvider _time;
    private DateTimeOffset _lastEventAt;

    /// <param name="idleTimeout">No event for this long makes the shard quiet; 0: never.</param>
    public ShardWatermark(TimeSpan outOfOrderness, TimeSpan idleTimeout, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outOfOrderness, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(idleTimeout, TimeSpan.Zero);
        _outOfOrderness = outOfOrderness;
        _idleTimeout = idleTimeout;
        _time = time;

        // The clock starts with the reader: a shard that never has an event turns idle too, rather than holding every
        // partition's watermark back for ever.
        _lastEventAt = time.GetUtcNow();
    }

    /// <summary>The latest event time read from the shard; null before the first event.</summary>
    public DateTimeOffset? MaxEventTime { get; private set; }

    /// <summary>The shard's watermark: <see cref="MaxEventTime"/> minus the out-of-orderness; null before the first event.</summary>
    public DateTimeOffset? Current =>
        MaxEventTime is { } max ? (max - DateTimeOffset.MinValue < _outOfOrderness ? DateTimeOffset.MinValue : max - _outOfOrderness) : null;

    /// <summary>No event was read for the idle timeout (never when it is 0).</summary>
    public bool IsQuiet => _idleTimeout > TimeSpan.Zero && _time.GetUtcNow() - _lastEventAt >= _idleTimeout;

    /// <summary>Reading (re)starts: the idle clock runs from now.</summary>
    public void StartClock() => _lastEventAt = _time.GetUtcNow();

    /// <summary>Events were read, the latest of them at <paramref name="latestEventTime"/>; true when the watermark moved.</summary>
    /// <remarks>An event earlier than the latest (out of order) leaves the watermark where it is.</remarks>
    public bool Observe(DateTimeOffset latestEventTime)
    {
        _lastEventAt = _time.GetUtcNow();
        if (MaxEventTime is { } max && max >= latestEventTime)
        {
            return false;
        }

        MaxEventTime = latestEventTime;
        return true;
    }
}
