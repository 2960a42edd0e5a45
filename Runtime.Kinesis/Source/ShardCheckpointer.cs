using KinesisGrains.Kinesis.Leasing;
using KinesisGrains.Runtime.Storage;
using KinesisGrains.Runtime.Streams;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Kinesis.Source;

/// <summary>
/// Moves shard checkpoints in DynamoDB, in one place and in the right order: first the state snapshot, then the
/// checkpoints of every shard up to what was applied before the snapshot began. A checkpoint therefore never passes
/// what the state holds durably, whatever crashes in between.
/// </summary>
public sealed partial class ShardCheckpointer(
    ShardLeaseTable leases,
    IStateSnapshotter snapshotter,
    string workerId,
    TimeProvider time,
    ILogger logger)
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _cycle = new(1, 1);
    private readonly Dictionary<string, Position> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Position> _written = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StreamSequenceToken?[]> _lastSent = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _rewinds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _currentAt = new(StringComparer.Ordinal);

    /// <summary>Completed checkpoint cycles (snapshot and checkpoints), for status and tests.</summary>
    public long Cycles { get; private set; }

    public DateTimeOffset? LastCheckpointAt { get; private set; }

    /// <summary>
    /// Told the end of every cycle, in order, with the time of its barrier round, its checkpoint writes and the whole
    /// (zeros and the time spent when nothing had moved): the commit cycle's progress record.
    /// </summary>
    public Action<TimeSpan, TimeSpan, TimeSpan>? CycleCompleted { get; init; }

    /// <summary>Every record of the shard up to <paramref name="token"/> has been delivered to the partitions.</summary>
    /// <param name="lastSentByPartition">For each partition, the end of the last batch it was sent up to <paramref name="token"/>.</param>
    public void Processed(string shardId, StreamSequenceToken token, StreamSequenceToken?[] lastSentByPartition)
    {
        lock (_lock)
        {
            _pending[shardId] = new Position(token, Ended: false);
            _lastSent[shardId] = lastSentByPartition;
        }
    }

    /// <summary>The shard was read and applied to its end; SHARD_END is written with the next checkpoint.</summary>
    public void Ended(string shardId)
    {
        lock (_lock)
        {
            var token = _pending.TryGetValue(shardId, out var position) ? position.Token : default;
            _pending[shardId] = new Position(token, Ended: true);
        }
    }

    /// <summary>
    /// True once after a checkpoint barrier found a partition that missed events of the shard: its receiver must
    /// read again from the shard's checkpoint.
    /// </summary>
    public bool TakeRewind(string shardId) => _rewinds.TryRemove(shardId, out _);

    /// <summary>The last checkpoint this silo wrote for the shard, as a position; null when none or a sentinel.</summary>
    public StreamSequenceToken? GetCheckpointPosition(string shardId)
    {
        lock (_lock)
        {
            return _written.TryGetValue(shardId, out var position) && !position.Ended ? position.Token : null;
        }
    }

    public string? GetCheckpoint(string shardId)
    {
        lock (_lock)
        {
            return _written.TryGetValue(shardId, out var position) ? position.Checkpoint : null;
        }
    }

    /// <summary>
    /// When a checkpoint cycle last found the shard's checkpoint at everything delivered before the cycle began
    /// (written by that cycle or already there); null before the first. Its age is the dashboard's checkpoint age.
    /// </summary>
    public DateTimeOffset? GetCheckpointCurrentAt(string shardId)
    {
        lock (_lock)
        {
            return _currentAt.TryGetValue(shardId, out var at) ? at : null;
        }
    }

    /// <summary>Snapshots the state, then checkpoints every shard that moved since the last cycle.</summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        await _cycle.WaitAsync(cancellationToken);
        var started = time.GetTimestamp();
        try
        {
            // Positions first: everything they cover was applied before the snapshot starts, so the snapshot holds it.
            List<KeyValuePair<string, Position>> moved;
            List<ShardDelivery> positions;
            lock (_lock)
            {
                moved = _pending.Where(p => !_written.TryGetValue(p.Key, out var written) || written != p.Value).ToList();
                positions = _pending
                    .Select(p => new ShardDelivery(new SourcePosition(p.Key, p.Value.Checkpoint, p.Value.SubSequenceNumber), _lastSent.GetValueOrDefault(p.Key) ?? []))
                    .ToList();
            }

            if (moved.Count == 0)
            {
                CycleCompleted?.Invoke(TimeSpan.Zero, TimeSpan.Zero, time.GetElapsedTime(started));
                NoteCurrent(positions);
                return;
            }

            var uncovered = await snapshotter.SnapshotAsync(positions, cancellationToken);
            var snapshotted = time.GetTimestamp();
            foreach (var shardId in uncovered)
            {
                LogUncovered(logger, shardId);
                _rewinds[shardId] = 0;
            }

            foreach (var (shardId, position) in moved)
            {
                if (uncovered.Contains(shardId))
                {
                    continue;
                }

                try
                {
                    await leases.CheckpointAsync(shardId, workerId, position.Checkpoint, position.SubSequenceNumber, cancellationToken);
                    lock (_lock)
                    {
                        _written[shardId] = position;
                    }
                }
                catch (LeaseLostException exception)
                {
                    LogLeaseLost(logger, shardId, exception.Message);
                    lock (_lock)
                    {
                        _pending.Remove(shardId);
                    }
                }
            }

            Cycles++;
            LastCheckpointAt = time.GetUtcNow();
            CycleCompleted?.Invoke(time.GetElapsedTime(started, snapshotted), time.GetElapsedTime(snapshotted), time.GetElapsedTime(started));
            NoteCurrent(positions);
        }
        finally
        {
            _cycle.Release();
        }
    }

    /// <summary>Stamps the shards whose written checkpoint is the position this cycle started from.</summary>
    private void NoteCurrent(List<ShardDelivery> positions)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            foreach (var delivery in positions)
            {
                var shardId = delivery.Position.ShardId;
                if (_written.TryGetValue(shardId, out var written) && written.Checkpoint == delivery.Position.Checkpoint && written.SubSequenceNumber == delivery.Position.SubSequenceNumber)
                {
                    _currentAt[shardId] = now;
                }
            }
        }
    }

    /// <summary>Checkpoints every <paramref name="interval"/> until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, cancellationToken);
                await CheckpointAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // The next cycle tries again; until then the checkpoints stay where they were (safe, only more replay).
                LogCycleFailed(logger, exception);
            }
        }
    }

    private readonly record struct Position(StreamSequenceToken Token, bool Ended)
    {
        public string Checkpoint => Ended ? SentinelCheckpoint.ShardEnd : Token.SequenceNumber;

        public long SubSequenceNumber => Ended ? 0 : Token.SubSequenceNumber;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint of {ShardId} not written: {Reason}")]
    private static partial void LogLeaseLost(ILogger logger, string shardId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint of {ShardId} held back: a partition missed events of it and waits for a replay")]
    private static partial void LogUncovered(ILogger logger, string shardId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint cycle failed; it is retried at the next interval")]
    private static partial void LogCycleFailed(ILogger logger, Exception exception);
}
