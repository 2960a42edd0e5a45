using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.Streams;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Streaming.Kinesis.Source;

/// <summary>
/// Moves shard checkpoints in DynamoDB, in one place and in the right order: first the checkpoint barrier, then the
/// checkpoints of every shard up to what was delivered before the barrier began, only forward, and not for a shard a
/// partition found a gap in (that shard is replayed from where the partition holds it). A checkpoint therefore never
/// passes what the state holds durably, whatever crashes in between.
/// </summary>
public sealed partial class ShardCheckpointer(
    ShardLeaseTable leases,
    ICheckpointGate checkpointGate,
    string workerId,
    TimeProvider time,
    ILogger logger)
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _cycle = new(1, 1);
    private readonly Dictionary<string, Delivered> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ShardCheckpoint> _written = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ShardPosition?> _rewinds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _currentAt = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _earlyCycle = new(0, 1);

    /// <summary>Completed checkpoint cycles (snapshot and checkpoints), for status and tests.</summary>
    public long Cycles { get; private set; }

    public DateTimeOffset? LastCheckpointAt { get; private set; }

    /// <summary>
    /// Told the end of every cycle, in order, with the time of its barrier round, its checkpoint writes and the whole
    /// (zeros and the time spent when nothing had moved): the commit cycle's progress record.
    /// </summary>
    public Action<TimeSpan, TimeSpan, TimeSpan>? CycleCompleted { get; init; }

    /// <summary>A receiver took the shard with the lease's checkpoint: what was pending from an earlier ownership is void.</summary>
    public void Started(string shardId, ShardCheckpoint leaseCheckpoint)
    {
        lock (_lock)
        {
            _pending.Remove(shardId);
            _rewinds.Remove(shardId);
            _written[shardId] = leaseCheckpoint;
        }
    }

    /// <summary>Every read of the shard up to <paramref name="reached"/> has been delivered to every partition.</summary>
    /// <param name="ended">The shard was read to its end: SHARD_END is written with the next checkpoint.</param>
    /// <param name="lastSentByPartition">For each partition, the end of the last batch it was sent up to there.</param>
    public void Processed(string shardId, ShardPosition? reached, bool ended, ShardPosition?[] lastSentByPartition)
    {
        lock (_lock)
        {
            _pending[shardId] = new Delivered(new ShardCheckpoint(reached, ended), lastSentByPartition);
        }
    }

    /// <summary>The shard's receiver rewound: what it reported delivered before no longer holds for the replay.</summary>
    public void Rewound(string shardId)
    {
        lock (_lock)
        {
            _pending.Remove(shardId);
        }
    }

    /// <summary>
    /// True once after a checkpoint barrier found a partition that missed events of the shard: its receiver must
    /// read again from <paramref name="start"/> (where the partition holds the shard up to; null: the shard's origin).
    /// </summary>
    public bool TakeRewind(string shardId, out ShardPosition? start)
    {
        lock (_lock)
        {
            return _rewinds.Remove(shardId, out start);
        }
    }

    /// <summary>The shard's checkpoint as this silo last wrote or found it; null when unknown.</summary>
    public ShardCheckpoint? GetWritten(string shardId)
    {
        lock (_lock)
        {
            return _written.TryGetValue(shardId, out var written) ? written : null;
        }
    }

    /// <summary>The checkpoint text of the lease row as this silo knows it; null when unknown or still the initial position.</summary>
    public string? GetCheckpoint(string shardId) =>
        GetWritten(shardId) is { } written && (written.Ended || written.Position is not null) ? TextOf(written).Checkpoint : null;

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

    /// <summary>Runs the barrier, then checkpoints every shard that moved forward and has no gap.</summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        await _cycle.WaitAsync(cancellationToken);
        var started = time.GetTimestamp();
        try
        {
            // Positions first: everything they cover was delivered before the barrier is sent, so the barrier holds it.
            List<KeyValuePair<string, ShardCheckpoint>> moved;
            List<ShardDelivery> deliveries;
            lock (_lock)
            {
                moved = _pending
                    .Where(p => p.Value.Checkpoint.IsAfter(_written.TryGetValue(p.Key, out var written) ? written : null))
                    .Select(p => KeyValuePair.Create(p.Key, p.Value.Checkpoint))
                    .ToList();
                deliveries = _pending
                    .Select(p => new ShardDelivery(p.Key, p.Value.Checkpoint.Position, p.Value.Checkpoint.Ended, p.Value.LastSentByPartition))
                    .ToList();
            }

            if (moved.Count == 0)
            {
                CycleCompleted?.Invoke(TimeSpan.Zero, TimeSpan.Zero, time.GetElapsedTime(started));
                NoteCurrent(deliveries);
                return;
            }

            var gaps = await checkpointGate.SnapshotAsync(deliveries, cancellationToken);
            var snapshotted = time.GetTimestamp();
            var uncovered = new HashSet<string>(StringComparer.Ordinal);
            lock (_lock)
            {
                foreach (var gap in gaps)
                {
                    _rewinds[gap.ShardId] = uncovered.Add(gap.ShardId) || !_rewinds.TryGetValue(gap.ShardId, out var earlier)
                        ? gap.HoldsUpTo
                        : ShardGap.EarlierStart(earlier, gap.HoldsUpTo);
                }
            }

            foreach (var shardId in uncovered)
            {
                LogUncovered(logger, shardId);
            }

            foreach (var (shardId, checkpoint) in moved)
            {
                if (uncovered.Contains(shardId))
                {
                    continue;
                }

                try
                {
                    var (text, subSequenceNumber) = TextOf(checkpoint);
                    await leases.CheckpointAsync(shardId, workerId, text, subSequenceNumber, cancellationToken);
                    lock (_lock)
                    {
                        if (checkpoint.IsAfter(_written.TryGetValue(shardId, out var written) ? written : null))
                        {
                            _written[shardId] = checkpoint;
                        }
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
            NoteCurrent(deliveries);
        }
        finally
        {
            _cycle.Release();
        }
    }

    /// <summary>The lease row's checkpoint text and sub-sequence number of a checkpoint.</summary>
    public static (string Checkpoint, long SubSequenceNumber) TextOf(ShardCheckpoint checkpoint) =>
        checkpoint.Ended ? (SentinelCheckpoint.ShardEnd, 0)
        : checkpoint.Position is { } position ? (position.SequenceNumber, position.SubSequenceNumber)
        : throw new ArgumentException("The shard's origin is not a checkpoint to write.", nameof(checkpoint));

    /// <summary>Stamps the shards whose written checkpoint is at (or past) what this cycle started from.</summary>
    private void NoteCurrent(List<ShardDelivery> deliveries)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            foreach (var delivery in deliveries)
            {
                var reached = new ShardCheckpoint(delivery.Reached, delivery.Ended);
                if (_written.TryGetValue(delivery.ShardId, out var written) && !reached.IsAfter(written))
                {
                    _currentAt[delivery.ShardId] = now;
                }
            }
        }
    }

    /// <summary>
    /// Asks for the next cycle within <see cref="EarlyCycleDelay"/> instead of at the interval: a delivery Orleans gave
    /// up on left a partition with a gap that only a barrier finds, and until then the partition refuses the shard's
    /// batches (with a long checkpoint interval, for that long).
    /// </summary>
    public void RequestEarlyCycle()
    {
        if (_earlyCycle.CurrentCount == 0)
        {
            try
            {
                _earlyCycle.Release();
            }
            catch (SemaphoreFullException)
            {
                // Asked twice at once: one early cycle serves both.
            }
        }
    }

    /// <summary>How long an early cycle waits, so the deliveries failing together are all counted in it.</summary>
    public static readonly TimeSpan EarlyCycleDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>Checkpoints every <paramref name="interval"/> (or soon after <see cref="RequestEarlyCycle"/>) until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    var early = _earlyCycle.WaitAsync(waiting.Token);
                    var due = Task.Delay(interval, time, waiting.Token);
                    if (await Task.WhenAny(early, due) == early && !early.IsCanceled)
                    {
                        await Task.Delay(EarlyCycleDelay, time, cancellationToken);
                    }

                    await waiting.CancelAsync();
                    cancellationToken.ThrowIfCancellationRequested();
                }

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

    /// <summary>What the receiver last reported delivered for a shard.</summary>
    private readonly record struct Delivered(ShardCheckpoint Checkpoint, ShardPosition?[] LastSentByPartition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint of {ShardId} not written: {Reason}")]
    private static partial void LogLeaseLost(ILogger logger, string shardId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint of {ShardId} held back: a partition missed events of it and waits for a replay")]
    private static partial void LogUncovered(ILogger logger, string shardId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint cycle failed; it is retried at the next interval")]
    private static partial void LogCycleFailed(ILogger logger, Exception exception);
}
