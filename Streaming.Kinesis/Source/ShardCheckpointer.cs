using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Streaming.Kinesis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Streaming.Kinesis.Source;

/// <summary>
/// Moves shard checkpoints in DynamoDB, in one place and in the right order: first the checkpoint barrier, then the
/// checkpoints of every shard up to what was delivered before the barrier began, only forward, and not for a shard a
/// partition found a gap in (that shard is replayed from where the partition holds it). A checkpoint therefore never
/// passes what the state holds durably, whatever crashes in between.
/// </summary>
internal sealed partial class ShardCheckpointer(
    ShardLeaseTable leases,
    ICheckpointGate checkpointGate,
    string workerId,
    TimeProvider time,
    ILogger logger)
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _cycle = new(1, 1);
    private int _laneCount = 1;
    private readonly Dictionary<string, Delivered> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ShardCheckpoint> _written = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ShardPosition?> _rewinds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _currentAt = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _earlyCycle = new(0, 1);
    private readonly Dictionary<string, string> _replays = new(StringComparer.Ordinal);

    // The idle flag each shard's last barrier round carried to the partitions. Partitions do not persist it (a
    // restored shard counts as active), so a flip is worth a round of its own even when no checkpoint moves.
    private readonly Dictionary<string, bool> _carriedIdle = new(StringComparer.Ordinal);
    private IReadOnlyList<KeyValuePair<string, ShardPosition?>> _ended = [];

    // Open shards of the lease table with their parents, as the last lease sync listed them.
    private IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> _open = [];

    // Children a shard's last read reported at SHARD_END whose leases the lease sync has not listed yet, with the
    // parents that reported them. The ending round runs before that sync: named, they hold the partitions' watermarks
    // where their parent left them.
    private readonly Dictionary<string, HashSet<string>> _unlistedChildren = new(StringComparer.Ordinal);
    private HashSet<string> _listed = new(StringComparer.Ordinal);

    // The last watermark of each shard this silo read to its end, until its children are listed and none is open.
    // A named child carries its parents' (the earliest): a partition with no watermark for the child starts it there.
    // Started at none instead, it holds the partition at none until its own first word, and its children named at its
    // end in turn: a silo catching up through reshards applied every event without a watermark.
    private readonly Dictionary<string, DateTimeOffset?> _lastWatermarks = new(StringComparer.Ordinal);
    private long _lastRoundAt = time.GetTimestamp();

    /// <summary>The barrier's gate: keyed state's partitions, which a live reset also hands over through it.</summary>
    public ICheckpointGate Gate => checkpointGate;

    /// <summary>Lanes (views × partitions) a barrier asks for (the length of each claim's per-lane array).</summary>
    public int LaneCount { get => _laneCount; init => _laneCount = value; }

    /// <summary>
    /// Runs <paramref name="change"/> between checkpoint cycles, none running meanwhile, and then barriers ask for
    /// <paramref name="laneCount"/> lanes: a live rescale lays the lanes out again so.
    /// </summary>
    public async Task ChangeLanesAsync(int laneCount, Func<Task> change, CancellationToken cancellationToken)
    {
        await _cycle.WaitAsync(cancellationToken);
        try
        {
            await change();
            lock (_lock)
            {
                _laneCount = laneCount;
            }
        }
        finally
        {
            _cycle.Release();
        }
    }

    /// <summary>The longest time between barrier rounds while there are shards to barrier, even if no checkpoint moves; zero: off.</summary>
    public TimeSpan QuietBarrierInterval { get; init; }

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
            _replays.Remove(shardId);
            _carriedIdle.Remove(shardId);
            _written[shardId] = leaseCheckpoint;
        }
    }

    /// <summary>
    /// A receiver took an ended shard to read it again from the request <paramref name="replayFrom"/> (the lease's
    /// text): no checkpoint moves; once a barrier finds every partition holding the end, the request is done.
    /// </summary>
    public void StartedReplay(string shardId, string replayFrom)
    {
        lock (_lock)
        {
            _pending.Remove(shardId);
            _rewinds.Remove(shardId);
            _replays[shardId] = replayFrom;
            _written[shardId] = new ShardCheckpoint(null, Ended: true);
        }
    }

    /// <summary>
    /// The shards of the lease table, as the balancer last listed them. Ended ones: each barrier asks every partition
    /// whether it still holds each one's end (rule 4 after SHARD_END: a partition that fell back behind it gets a
    /// replay), and tells it the shard ended (its watermark no longer waits for it); shards with a replay under way are
    /// left out, and one without a recorded end (it had no records) is claimed at its origin, which only marks it
    /// ended. Open ones this silo does not read: each barrier names them, so a partition that does not know one (it
    /// restored a snapshot from before it heard of it) holds its watermark for it instead of moving on the others; a
    /// child of shards this silo read to their end starts, for a partition without a watermark for it, at their last.
    /// </summary>
    public void NoteLeases(IEnumerable<ShardLease> leases)
    {
        var listed = leases.ToList();
        var ended = listed
            .Where(l => l.IsShardEnd && !l.IsReplayRequested)
            .Select(l => KeyValuePair.Create(l.LeaseKey, l.End))
            .ToList();
        var open = listed.Where(l => !l.IsShardEnd).Select(l => KeyValuePair.Create(l.LeaseKey, l.ParentShardIds)).ToList();
        lock (_lock)
        {
            _ended = ended;
            _open = open;
            _listed = listed.Select(l => l.LeaseKey).ToHashSet(StringComparer.Ordinal);
            foreach (var shardId in _listed)
            {
                _unlistedChildren.Remove(shardId);
            }

            // Kept until its children are listed and none is open any more.
            var ofOpen = _open.SelectMany(o => o.Value).Concat(_unlistedChildren.Values.SelectMany(p => p)).ToHashSet(StringComparer.Ordinal);
            var ofListed = listed.SelectMany(l => l.ParentShardIds).ToHashSet(StringComparer.Ordinal);
            foreach (var shardId in _lastWatermarks.Keys.Where(s => ofListed.Contains(s) && !ofOpen.Contains(s)).ToList())
            {
                _lastWatermarks.Remove(shardId);
            }
        }
    }

    /// <summary>Every read of the shard up to <paramref name="reached"/> has been delivered to every partition.</summary>
    /// <param name="ended">The shard was read to its end: SHARD_END is written with the next checkpoint.</param>
    /// <param name="lastSentByLane">For each lane (a view's partition stream), the end of the last batch it was sent up to there.</param>
    /// <param name="watermark">The shard's watermark at <paramref name="reached"/>, for the barrier to carry.</param>
    /// <param name="idle">The shard counted as idle when its receiver read up to <paramref name="reached"/>.</param>
    /// <param name="children">
    /// At SHARD_END, the shards that continue this one (as GetRecords or the subscription reported them): named in
    /// every round from this one on until the lease sync lists them, starting at <paramref name="watermark"/> (the
    /// parent's last) for a partition without a watermark for them, as every round naming them does from now on.
    /// </param>
    public void Processed(string shardId, ShardPosition? reached, bool ended, ShardPosition?[] lastSentByLane, DateTimeOffset? watermark = null, bool idle = false, IReadOnlyList<string>? children = null)
    {
        lock (_lock)
        {
            _pending[shardId] = new Delivered(new ShardCheckpoint(reached, ended), lastSentByLane, watermark, idle);
            if (ended)
            {
                _lastWatermarks[shardId] = watermark;
            }

            if (ended && children is not null)
            {
                foreach (var child in children.Where(c => !_listed.Contains(c)))
                {
                    (_unlistedChildren.TryGetValue(child, out var parents) ? parents : _unlistedChildren[child] = new(StringComparer.Ordinal)).Add(shardId);
                }
            }
        }
    }

    /// <summary>
    /// The shard's receiver stopped (its lease lost or let go, the silo stopping), after its final checkpoint: what it
    /// reported is no one's to claim any more. Kept, it would go out with a later barrier round (an idle flip or a
    /// quiet interval of another shard) and claim, for a shard another silo now reads, batches that old reader's
    /// failed deliveries never brought: partitions would refuse the shard and wait for a replay no reader serves.
    /// </summary>
    public void Stopped(string shardId)
    {
        lock (_lock)
        {
            _pending.Remove(shardId);
            _carriedIdle.Remove(shardId);
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
    /// <param name="force">
    /// Run the barrier round even if nothing moved: every partition then commits a snapshot holding everything delivered
    /// before the call (a savepoint's barrier), not only the last round's.
    /// </param>
    /// <returns>The number of the cycle (<see cref="Cycles"/>) whose barrier ran; null when nothing moved and the round was skipped.</returns>
    public async Task<long?> CheckpointAsync(CancellationToken cancellationToken, bool force = false)
    {
        await _cycle.WaitAsync(cancellationToken);
        var started = time.GetTimestamp();
        try
        {
            // Positions first: everything they cover was delivered before the barrier is sent, so the barrier holds it.
            List<KeyValuePair<string, ShardCheckpoint>> moved;
            List<KeyValuePair<string, string>> replayed;
            List<ShardDelivery> deliveries;
            HashSet<string> endedClaims;
            bool idleFlipped;
            lock (_lock)
            {
                moved = _pending
                    .Where(p => p.Value.Checkpoint.IsAfter(_written.TryGetValue(p.Key, out var written) ? written : null))
                    .Select(p => KeyValuePair.Create(p.Key, p.Value.Checkpoint))
                    .ToList();
                replayed = _pending
                    .Where(p => p.Value.Checkpoint.Ended && _replays.ContainsKey(p.Key))
                    .Select(p => KeyValuePair.Create(p.Key, _replays[p.Key]))
                    .ToList();
                deliveries = _pending
                    .Select(p => new ShardDelivery(p.Key, p.Value.Checkpoint.Position, p.Value.Checkpoint.Ended, p.Value.LastSentByLane, p.Value.Watermark, p.Value.Idle))
                    .ToList();
                idleFlipped = _pending.Any(p => p.Value.Idle != _carriedIdle.GetValueOrDefault(p.Key));

                // Every ended shard's end, claimed for every lane (LastSent = Reached = the end).
                var claims = _ended.Where(e => !_pending.ContainsKey(e.Key) && !_replays.ContainsKey(e.Key)).ToList();
                endedClaims = claims.Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
                foreach (var (shardId, end) in claims)
                {
                    deliveries.Add(new ShardDelivery(shardId, end, Ended: true, Enumerable.Repeat<ShardPosition?>(end, LaneCount).ToArray()));
                }
            }

            var quietTooLong = QuietBarrierInterval > TimeSpan.Zero && deliveries.Count > 0 && time.GetElapsedTime(_lastRoundAt) >= QuietBarrierInterval;
            lock (_lock)
            {
                deliveries.AddRange(_open
                    .Concat(_unlistedChildren.Select(c => KeyValuePair.Create(c.Key, (IReadOnlyList<string>)[.. c.Value])))
                    .Where(s => !_pending.ContainsKey(s.Key) && !_replays.ContainsKey(s.Key) && !endedClaims.Contains(s.Key))
                    .Select(s => ShardDelivery.Named(s.Key, StartOf(s.Value))));
            }
            if (moved.Count == 0 && replayed.Count == 0 && !idleFlipped && !quietTooLong && !force)
            {
                CycleCompleted?.Invoke(TimeSpan.Zero, TimeSpan.Zero, time.GetElapsedTime(started));
                NoteCurrent(deliveries);
                return null;
            }

            _lastRoundAt = started;
            var gaps = await checkpointGate.SnapshotAsync(deliveries, cancellationToken);
            var snapshotted = time.GetTimestamp();
            var uncovered = new HashSet<string>(StringComparer.Ordinal);
            var endedGaps = new Dictionary<string, ShardPosition?>(StringComparer.Ordinal);
            lock (_lock)
            {
                foreach (var gap in gaps)
                {
                    if (endedClaims.Contains(gap.ShardId))
                    {
                        endedGaps[gap.ShardId] = endedGaps.TryGetValue(gap.ShardId, out var start) ? ShardGap.EarlierStart(start, gap.HoldsUpTo) : gap.HoldsUpTo;
                        continue;
                    }

                    _rewinds[gap.ShardId] = uncovered.Add(gap.ShardId) || !_rewinds.TryGetValue(gap.ShardId, out var earlier)
                        ? gap.HoldsUpTo
                        : ShardGap.EarlierStart(earlier, gap.HoldsUpTo);
                }
            }

            foreach (var shardId in uncovered)
            {
                LogUncovered(logger, shardId);
            }

            lock (_lock)
            {
                foreach (var delivery in deliveries)
                {
                    if (!delivery.OpenElsewhere && !uncovered.Contains(delivery.ShardId) && !endedClaims.Contains(delivery.ShardId))
                    {
                        _carriedIdle[delivery.ShardId] = delivery.Idle;
                    }
                }
            }

            await RequestReplaysAsync(endedGaps, cancellationToken);
            await CompleteReplaysAsync(replayed.Where(r => !uncovered.Contains(r.Key)), cancellationToken);

            foreach (var (shardId, checkpoint) in moved)
            {
                if (uncovered.Contains(shardId))
                {
                    continue;
                }

                try
                {
                    var (text, subSequenceNumber) = TextOf(checkpoint);
                    await leases.CheckpointAsync(shardId, workerId, text, subSequenceNumber, cancellationToken, EndOf(shardId, checkpoint));
                    lock (_lock)
                    {
                        if (checkpoint.IsAfter(_written.TryGetValue(shardId, out var written) ? written : null))
                        {
                            _written[shardId] = checkpoint;
                        }

                        // An ended shard is done here: from now on barriers claim its end like any ended shard's
                        // (a partition that falls back behind it later gets a replay, not a rewind of no reader).
                        if (checkpoint.Ended && _pending.TryGetValue(shardId, out var pending) && pending.Checkpoint == checkpoint)
                        {
                            _pending.Remove(shardId);
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
            return Cycles;
        }
        finally
        {
            _cycle.Release();
        }
    }

    /// <summary>
    /// The last position of a shard checkpointed at SHARD_END: what its last delivered read reached, or, when the
    /// final read held nothing new, the checkpoint before it (every partition vouched for that one already).
    /// </summary>
    private ShardPosition? EndOf(string shardId, ShardCheckpoint checkpoint)
    {
        if (!checkpoint.Ended)
        {
            return null;
        }

        lock (_lock)
        {
            return checkpoint.Position ?? (_written.TryGetValue(shardId, out var written) ? written.Position : null);
        }
    }

    /// <summary>Ended shards a partition fell back behind: their lease rows ask for a replay, which a balancer takes as work.</summary>
    private async Task RequestReplaysAsync(Dictionary<string, ShardPosition?> endedGaps, CancellationToken cancellationToken)
    {
        foreach (var (shardId, start) in endedGaps)
        {
            try
            {
                if (await leases.RequestReplayAsync(shardId, start, cancellationToken) is { } request)
                {
                    StreamingKinesisMetrics.EndedShardReplays.Add(1);
                    LogReplayRequested(logger, shardId, request);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The next barrier asks again: the partition still lacks the shard's end.
                LogReplayRequestFailed(logger, shardId, exception);
            }
        }
    }

    /// <summary>Replays of ended shards that every partition now vouched for to the end: their requests are done.</summary>
    private async Task CompleteReplaysAsync(IEnumerable<KeyValuePair<string, string>> replayed, CancellationToken cancellationToken)
    {
        foreach (var (shardId, replayFrom) in replayed)
        {
            try
            {
                if (await leases.CompleteReplayAsync(shardId, workerId, replayFrom, cancellationToken))
                {
                    LogReplayCompleted(logger, shardId, replayFrom);
                    lock (_lock)
                    {
                        _pending.Remove(shardId);
                        _replays.Remove(shardId);
                    }

                    continue;
                }

                // An earlier start was asked meanwhile: read again from there.
                if (await leases.GetAsync(shardId, cancellationToken) is { IsReplayRequested: true } lease)
                {
                    lock (_lock)
                    {
                        _pending.Remove(shardId);
                        _replays[shardId] = lease.ReplayFrom!;
                        _rewinds[shardId] = lease.ReplayStart;
                    }
                }
            }
            catch (LeaseLostException exception)
            {
                LogLeaseLost(logger, shardId, exception.Message);
                lock (_lock)
                {
                    _pending.Remove(shardId);
                    _replays.Remove(shardId);
                }
            }
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
            foreach (var delivery in deliveries.Where(d => !d.OpenElsewhere))
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

    /// <summary>
    /// Where a named shard starts for a partition without a watermark for it: the earliest last watermark of its parents
    /// this silo read to their end (a merge's child follows both); null when it read none of them, or they had none.
    /// </summary>
    private DateTimeOffset? StartOf(IReadOnlyList<string> parents)
    {
        DateTimeOffset? start = null;
        foreach (var parent in parents)
        {
            if (_lastWatermarks.TryGetValue(parent, out var last) && last is { } l && (start is not { } s || l < s))
            {
                start = l;
            }
        }

        return start;
    }

    /// <summary>What the receiver last reported delivered for a shard.</summary>
    private readonly record struct Delivered(ShardCheckpoint Checkpoint, ShardPosition?[] LastSentByLane, DateTimeOffset? Watermark, bool Idle);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint of {ShardId} not written: {Reason}")]
    private static partial void LogLeaseLost(ILogger logger, string shardId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint of {ShardId} held back: a partition missed events of it and waits for a replay")]
    private static partial void LogUncovered(ILogger logger, string shardId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ended shard {ShardId}: a partition no longer holds its end (it came back from an older snapshot); asked for a replay from {ReplayFrom}")]
    private static partial void LogReplayRequested(ILogger logger, string shardId, string replayFrom);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ended shard {ShardId}: asking for its replay failed; the next barrier asks again")]
    private static partial void LogReplayRequestFailed(ILogger logger, string shardId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ended shard {ShardId}: replayed from {ReplayFrom} to its end; every partition holds it again")]
    private static partial void LogReplayCompleted(ILogger logger, string shardId, string replayFrom);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint cycle failed; it is retried at the next interval")]
    private static partial void LogCycleFailed(ILogger logger, Exception exception);
}
