using KinesisGrains.Abstractions.Monitoring;

namespace KinesisGrains.Streaming.Kinesis.Source;

/// <summary>The live progress of one shard's receiver, for the status endpoint and the dashboard.</summary>
internal sealed class ShardProgress(string shardId)
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
