namespace KinesisGrains.Kinesis.Source;

/// <summary>The live progress of one shard's receiver, for the status endpoint and the dashboard.</summary>
public sealed class ShardProgress(string shardId)
{
    private readonly Lock _lock = new();
    private ShardProgressSnapshot _snapshot = new(shardId, ShardReceiverState.Starting, 0, 0, 0, null, null, null, false, null, null, null, null);
    private long _throttles;

    public string ShardId { get; } = shardId;

    /// <summary>GetRecords calls of this shard that Kinesis throttled (ProvisionedThroughputExceeded) since the silo started.</summary>
    public long Throttles => Interlocked.Read(ref _throttles);

    public ShardProgressSnapshot Snapshot
    {
        get
        {
            lock (_lock)
            {
                return _snapshot;
            }
        }
    }

    internal void NoteThrottled() => Interlocked.Increment(ref _throttles);

    internal void Update(Func<ShardProgressSnapshot, ShardProgressSnapshot> change)
    {
        lock (_lock)
        {
            _snapshot = change(_snapshot);
        }
    }
}

/// <param name="CaughtUp">The last fetch returned nothing and the shard reported no lag (or the shard ended).</param>
/// <param name="ReadingSince">When this silo's receiver last started reading the shard (took its lease).</param>
/// <param name="FirstDeliveredAt">When the first records read since then were delivered to every partition.</param>
/// <param name="LastDeliveredAt">When records of the shard were last delivered to every partition.</param>
public sealed record ShardProgressSnapshot(
    string ShardId,
    ShardReceiverState State,
    long RecordsRead,
    long EventsApplied,
    long DeadLettered,
    string? LastSequenceNumber,
    string? Checkpoint,
    long? MillisBehindLatest,
    bool CaughtUp,
    string? LastError,
    DateTimeOffset? ReadingSince,
    DateTimeOffset? FirstDeliveredAt,
    DateTimeOffset? LastDeliveredAt);

public enum ShardReceiverState
{
    Starting,
    WaitingForParents,
    Reading,
    Ended,
    Stopped,
    Failed,
}
