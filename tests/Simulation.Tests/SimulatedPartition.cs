using System.Collections.Immutable;
using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.KeyedState.ExactlyOnce;
using KinesisGrains.Simulation.Model;

using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Simulation;

/// <summary>
/// A batch (From, To] of one shard for one partition: every event of the partition's keys in that range, and the
/// shard's watermark wm(s) once the receiver read up to To.
/// </summary>
internal sealed record SimBatch(string ShardId, Position? From, Position To, IReadOnlyList<SimRecord> Events, long ReceiverId, long? Watermark = null);

/// <summary>
/// What a rescale hands one new partition: the image the tool wrote for it (merged from the parts of old partitions),
/// and the ghosts of those parts, which the checks' excuses follow (a fallback, a restore behind the sinks, a shard
/// left out as idle, and, per view key, the window ends up to which the merged watermark makes its events late).
/// </summary>
internal sealed record RescaledPartition(
    StoreImage Image,
    bool FellBack,
    bool FellBehindSink,
    bool WentBack,
    IReadOnlySet<string> EverIdle,
    ImmutableDictionary<int, long> LateExcused);

/// <summary>
/// The keyed-state partition grain of one lane (partition <see cref="Index"/> of view <see cref="View"/>), reduced to
/// its protocol: an activation holds live states (by the view's key) and a <see cref="PartitionLedger"/>; it writes
/// them behind (every k batches) to a local store atomically; a barrier writes, vouches, starts the next epoch and
/// snapshots. Killing the activation loses memory and the unwritten; a new one restores the local store (no snapshot
/// store: same silo) or the newest readable snapshot.
/// </summary>
/// <remarks>
/// Event time: the partition keeps each feeding shard's wm(s), taken only from batches it applied and barriers it
/// vouched for, and wm(p) = max(wm(p), min over the shards neither idle nor ended), all in the written image. An
/// applied event whose window closes at or below wm(p) is late (a side-output row); otherwise it is counted in its
/// key's window and registers the timer (key, window end), once per (key, time). After a batch (and at a barrier)
/// due timers fire in (time, key) order, a bounded chunk per turn, from memory (timers registered since the last
/// write fire too): each firing stages its row, deletes the window and the timer, and the chunk is written in one write
/// with everything applied before it.
/// </remarks>
internal sealed class SimulatedPartition
{
    private readonly Simulation _sim;
    private readonly int _writeEvery;
    private int _batchesSinceWrite;

    // The live activation.
    private PartitionLedger _ledger = null!;
    private ImmutableDictionary<int, KeyState> _states = null!;
    private ImmutableDictionary<string, ShardTally> _tallies = null!;
    private ImmutableList<StagedRow> _outbox = [];
    private ImmutableSortedSet<TimerKey> _timers = [];
    private long? _watermark;
    private ImmutableDictionary<string, ShardWatermark> _shardWatermarks = null!;
    private ImmutableDictionary<string, ShardCoverage>? _coverage;

    // This activation has had a barrier round (which names every open shard): until then wm(p) stays.
    private bool _heardOpenShards;

    // FireTimersOutsideBatch: timers whose rows are written but whose deletes wait for the next turn.
    private List<TimerKey> _pendingDeletes = [];

    // Per sink, the epochs up to which it has this partition's rows (learnt at activation, then from its commits).
    private long[] _committed = [];

    // Per sink, the epoch of a batch whose commit failed for this activation and may have landed (SinkTally.Unsettled):
    // the next hand-over repeats that very batch (the same epochs, the same number) before any later epoch.
    private long?[] _unsettled = [];

    // Ghost of the restored lineage (a spread view after a rescale): see StoreImage.Foreign and Away.
    private ImmutableHashSet<int> _foreign = [];
    private ImmutableHashSet<int> _away = [];

    // Ghost, over all activations: shards this partition ever left out of wm(p) as idle. Their later events may be
    // late by other shards' watermarks (Flink's idleness), which the late-event check must allow.
    private readonly HashSet<string> _everIdle = new(StringComparer.Ordinal);

    // The image a rescale wrote: the sinks' epochs of this partition's number are another partition's, not a fallback's.
    private readonly StoreImage? _rescaledImage;

    /// <param name="rescaled">A partition a rescale made: the image the tool wrote for it, and its parts' ghosts.</param>
    public SimulatedPartition(Simulation sim, int lane, int writeEvery, SnapshotStore? snapshots, RescaledPartition? rescaled = null)
    {
        _sim = sim;
        Serial = sim.NextSerial();
        Lane = lane;
        View = lane / sim.Stream.Partitions;
        Index = lane % sim.Stream.Partitions;
        _writeEvery = writeEvery;
        Snapshots = snapshots;
        if (rescaled is not null)
        {
            // The tool writes the new partition's store: its snapshot, or its local store (one silo).
            _rescaledImage = rescaled.Image;
            if (snapshots is not null)
            {
                snapshots.ResetTo(rescaled.Image);
            }
            else
            {
                Written = rescaled.Image;
            }

            FellBack = rescaled.FellBack;
            FellBehindSink = rescaled.FellBehindSink;
            WentBack = rescaled.WentBack;
            _everIdle.UnionWith(rescaled.EverIdle);
            LateExcused = rescaled.LateExcused;
            DurableWatermark = rescaled.Image.Watermark;
        }

        Activate();
    }

    /// <summary>Ghost: this partition among all a run makes (a rescale makes new ones; a kill keeps it).</summary>
    public int Serial { get; }

    /// <summary>Its lane: which records it owes, and its identity at the sinks.</summary>
    public int Lane { get; }

    /// <summary>0: the primary view (the record's key); 1: the second view.</summary>
    public int View { get; }

    /// <summary>Its partition within its view (its grain key).</summary>
    public int Index { get; }

    public string Name => View == 0 ? $"p{Index}" : $"v{View}p{Index}";

    public SnapshotStore? Snapshots { get; }

    /// <summary>The local store (RocksDB): survives a kill only without a snapshot store (one silo).</summary>
    public StoreImage Written { get; private set; } = StoreImage.Empty;

    public long WriterToken { get; private set; }

    /// <summary>Some activation restored an older snapshot than the newest written (the store said so).</summary>
    public bool FellBack { get; private set; }

    /// <summary>Some activation restored an epoch below the one the sink had committed (only after a fallback).</summary>
    public bool FellBehindSink { get; private set; }

    /// <summary>How many activations knowingly restored an older snapshot than the newest written.</summary>
    public int FallbackRestores { get; private set; }

    /// <summary>Some activation restored a savepoint's snapshot: its watermark (and timers) went back with its state, on purpose.</summary>
    public bool WentBack { get; private set; }

    // The next activation restores a savepoint's snapshot.
    private bool _restoringSavepoint;

    /// <summary>Activations declared dead but still running, each with what it last wrote and its old token.</summary>
    public List<(long Token, StoreImage Image)> Zombies { get; } = [];

    /// <summary>What a query sees now.</summary>
    public StoreImage Live => new(_states, Coverage, _tallies, _ledger.Epoch, _outbox)
    {
        Timers = _timers,
        Watermark = _watermark,
        ShardWatermarks = _shardWatermarks,
        Floors = _ledger.Floors.Count == 0 ? StoreImage.Empty.Floors : _ledger.Floors.ToImmutableDictionary(StringComparer.Ordinal),
        Foreign = _foreign,
        Away = _away,
    };

    /// <summary>Ghost: shards this partition ever left out of wm(p) as idle (a rescale hands them on with the keys).</summary>
    public IReadOnlySet<string> EverIdle => _everIdle;

    /// <summary>
    /// Ghost, per view key a rescale moved here: a merged wm(p) is the latest of its parts' (or a window fired in one
    /// part would count again), so an event of a part that was behind may be late up to it though its shards did not
    /// say so. Up to that window end, a late event is the rescale's doing, not a shard left out.
    /// </summary>
    public ImmutableDictionary<int, long> LateExcused { get; } = ImmutableDictionary<int, long>.Empty;

    /// <summary>
    /// The ledger's coverage as an immutable map, rebuilt only when the ledger has changes it has not handed out yet
    /// (every change to its shards is one: <see cref="PartitionLedger.TakeChanged"/> is what the grain writes).
    /// </summary>
    private ImmutableDictionary<string, ShardCoverage> Coverage =>
        _coverage is { } coverage && !_ledger.HasChanges ? coverage : _coverage = _ledger.Shards.ToImmutableDictionary(StringComparer.Ordinal);

    /// <summary>The images <see cref="Invariants"/> last found honest (an image is immutable: the same one need not be checked again).</summary>
    public StoreImage?[] HonestImages { get; } = new StoreImage?[2];

    /// <summary>The live wm(p).</summary>
    public long? Watermark => _watermark;

    /// <summary>wm(s) of each shard as this partition knows it (what its wm(p) is the minimum over).</summary>
    public IReadOnlyDictionary<string, ShardWatermark> ShardWatermarks => _shardWatermarks;

    /// <summary>
    /// Ghost: the highest wm(p) written where a restore comes back to (the local store without a snapshot store, else
    /// the snapshots the current writers committed). A restore that does not knowingly fall back must not be below it.
    /// </summary>
    public long? DurableWatermark { get; private set; }

    public PartitionLedger Ledger => _ledger;

    /// <summary>The activation dies; Orleans activates a new one on the next call (here: at once).</summary>
    public void Kill(bool leaveZombie)
    {
        if (Snapshots is not null && leaveZombie)
        {
            Zombies.Add((WriterToken, Written));
        }

        if (Snapshots is not null)
        {
            // Moved to another silo: the local store stays behind.
            Written = StoreImage.Empty;
        }

        var timers = _timers;
        Activate();

        // Timers registered since the last durable write are gone with the state that registered them (the replay
        // registers them again).
        _sim.Count("timers lost with a kill", timers.Count(t => !_timers.Contains(t)));
    }

    /// <summary>
    /// A restore to a savepoint while nothing runs: the pinned image becomes the partition's newest snapshot (a new
    /// writer token fences every earlier activation), and the next activation restores it.
    /// </summary>
    /// <param name="fellBack">The image is of a lineage that fell back (an older snapshot was restored before it was taken).</param>
    public void RestoreSavepoint(StoreImage image, bool fellBack)
    {
        Snapshots!.ResetTo(image);
        FellBack |= fellBack;
        _restoringSavepoint = true;
        Kill(leaveZombie: false);
    }

    private void Activate()
    {
        var wentBack = _restoringSavepoint;
        _restoringSavepoint = false;
        WentBack |= wentBack;
        var knownFallback = false;
        var image = Snapshots is null ? Written : Snapshots.RestoreTarget(out knownFallback) ?? StoreImage.Empty;
        FellBack |= knownFallback;
        if (knownFallback)
        {
            _sim.Count("fallback restore");
            FallbackRestores++;
        }
        Written = image;

        _ledger = new PartitionLedger(image.Coverage, image.Epoch, image.Floors);
        _coverage = image.Coverage;

        // Every snapshot since the rescale is gone, the one it wrote too: the partition starts empty and replays
        // records whose rows the old partitions committed, under their numbers (the sinks' epochs cannot show it).
        if (knownFallback && _rescaledImage is not null && ReferenceEquals(image, StoreImage.Empty))
        {
            FellBehindSink = true;
            _sim.Count("fell back across a rescale");
        }

        // A spread part a rescale moved here is its only copy: the parts of other ranges it held are gone, and the events
        // of its own range held in other partitions' parts are replayed here as well (no floor says otherwise).
        if (knownFallback && ReferenceEquals(image, StoreImage.Empty) && (_foreign.Count > 0 || _away.Count > 0))
        {
            _sim.SpreadPartLost(this, _foreign, _away);
        }

        _foreign = image.Foreign;
        _away = image.Away;

        // The sinks may hold epochs this image never saw (it fell back behind them): new rows must not reuse their numbers.
        _committed = [.. _sim.Sinks.Select(s => s.CommittedEpoch(View, Index))];
        _unsettled = new long?[_sim.Sinks.Count];
        if (_committed.Max() > image.Epoch)
        {
            if (ReferenceEquals(image, _rescaledImage) && !knownFallback && !wentBack)
            {
                // The epochs are those of the old partition of this number, whose rows this one never had: nothing
                // is committed twice, new rows only need numbers above them. (Back to it by a fallback or a savepoint
                // of it, the partition replays what it committed since.)
                _sim.Count("rescaled partition numbered above its sinks");
            }
            else
            {
                FellBehindSink = true;
                _sim.Count("restored behind the sink");
            }

            if (!_sim.Options.NoSinkEpochBump)
            {
                _ledger.SkipEpochsTo(_committed.Max());
            }
        }

        _outbox = image.Outbox;
        _states = image.States;
        _tallies = image.Tallies;
        _timers = image.Timers;
        _pendingDeletes = [];
        _heardOpenShards = false;
        if (_sim.Options.NoPersistedWatermark)
        {
            _watermark = null;
            _shardWatermarks = StoreImage.Empty.ShardWatermarks;
        }
        else
        {
            // max(persisted, incoming): nothing has come in yet; what comes next is taken with max.
            _watermark = image.Watermark;

            // Idle is not persisted (PartitionWatermarkStore): a restored shard counts as active until its reader says.
            _shardWatermarks = image.ShardWatermarks.ToImmutableDictionary(s => s.Key, s => s.Value with { Idle = false });
        }

        Invariants.CheckRestoredWatermark(_sim, this, _watermark, knownFallback || wentBack);
        if (knownFallback || wentBack)
        {
            // The older snapshot is the lineage now: its watermark is what the state was built under.
            DurableWatermark = _watermark;
        }

        _batchesSinceWrite = 0;
        WriterToken = _sim.NextToken();
        Snapshots?.Acquire(WriterToken);
    }

    /// <summary>One delivery of a batch (Orleans may deliver a batch again: the ledger skips what was applied).</summary>
    public void Deliver(SimBatch batch)
    {
        ApplyPendingDeletes();
        var shardId = batch.ShardId;
        if (_sim.Options.NoEntryIsProof && !_ledger.Shards.ContainsKey(shardId) && batch.From is { } from)
        {
            // Hole 2 switched on: "no entry" read as "holds everything up to From".
            _ledger.Commit(shardId, null, from);
        }

        var admission = _ledger.Admit(shardId, batch.From, out _);
        if (!admission.Accepted)
        {
            _sim.Count("batch refused");
            Hold(shardId);
            return;
        }

        Position? lastNew = null;
        var tally = _tallies.GetValueOrDefault(shardId);
        var inherited = _ledger.HasInherited(shardId);
        var floors = _ledger.Floors.Count;
        foreach (var record in batch.Events)
        {
            // The old partition of the event's key applied it before a rescale merged the key here: the grain takes it
            // out of the batch before applying (WithoutInherited), events and rejected records alike.
            if (inherited && _ledger.IsInherited(shardId, RoutingHash(record), record.Position))
            {
                _sim.Count("inherited event skipped");
                continue;
            }

            if (!admission.IsNew(record.Position))
            {
                continue;
            }

            lastNew = record.Position;
            if (record.Poison)
            {
                // The logic rejects it: dead-letter this event, the state stays as it was for it (rule 1).
                _sim.DeadLetter(record);
                continue;
            }

            // The record's key in this partition's view (its own, a coarser one, or the spread global key).
            var key = _sim.Stream.ViewKeyOf(View, record.Key);
            var state = _states.GetValueOrDefault(key) ?? KeyState.Empty;
            if (state.Applied.Contains(record.Id))
            {
                _sim.Fail("double count", $"partition {Name} applied {record} twice (batch {shardId} ({batch.From}, {batch.To}], mark {admission.SkipUpTo})");
            }

            state = state with { Sum = state.Sum + record.Value, Count = state.Count + 1, Applied = state.Applied.Add(record.Id) };

            // Event time: the window's timer is at or below wm(p) (it fired, or is due): the event is late and goes to
            // the side output; else it is counted in its window and the window's timer is registered (a set: once per
            // (key, time)). Decided on the state and wm(p) only, so a replay after a restore decides as the state says.
            var end = _sim.Options.WindowEnd(record.EventTime);
            if (_watermark is { } watermark && end <= watermark)
            {
                Invariants.CheckLateEvent(_sim, this, record, end, WasEverIdle(shardId), LateExcused.TryGetValue(key, out var excused) ? excused : null);
                _outbox = _outbox.Add(new StagedRow(_ledger.Epoch + 1, record.Id, RowKind.Late));
                _sim.Count("late event");
            }
            else
            {
                state = state with { Windows = state.Windows.SetItem(end, (state.Windows.GetValueOrDefault(end) ?? []).Add(record.Id)) };
                _timers = _timers.Add(new TimerKey(end, key));
            }

            _states = _states.SetItem(key, state);

            // The logic emits one row per event, staged with the state for the next barrier's epoch.
            _outbox = _outbox.Add(new StagedRow(_ledger.Epoch + 1, record.Id));
            tally = new ShardTally(tally.Applied + 1, record.Position);
        }

        _tallies = _tallies.SetItem(shardId, tally);
        _ledger.Commit(shardId, lastNew, batch.To);
        CountReleased(floors);

        // wm(s) from a batch it applied (all or nothing: taken with the events it follows).
        TakeWatermark(shardId, batch.Watermark, idle: false, ended: false);
        if (Due)
        {
            FireChunk();
        }
        else if (++_batchesSinceWrite >= _writeEvery)
        {
            Write();
        }
    }

    /// <summary>
    /// The hash an event's inherited check goes by: its routing key's (a spread view's is the primary key,
    /// <c>batch.RoutingKeys[i] ?? event key</c>), as the floors are cut by it.
    /// </summary>
    private ulong RoutingHash(SimRecord record) =>
        _sim.Options.RescaleSpreadByViewKey && _sim.Stream.Spread && View == 1
            ? _sim.Stream.OwnHashOf(View, _sim.Stream.ViewKeyOf(View, record.Key))
            : _sim.Stream.HashOf(View, record.Key);

    /// <summary>Some timer is at or below wm(p).</summary>
    public bool Due => _watermark is { } watermark && _timers.Count > 0 && _timers.Min.Time <= watermark;

    /// <summary>The drain's end: fire chunk after chunk until nothing is due.</summary>
    public void FireAllDue()
    {
        ApplyPendingDeletes();
        while (Due)
        {
            FireChunk();
            ApplyPendingDeletes();
        }
    }

    /// <summary>
    /// Fires at most <see cref="Simulation.FireChunk"/> due timers in (time, key) order, from memory (as the grain's
    /// PartitionTimers merges the stored timers with those registered since the last write): each timer stages its row
    /// (the window's count, for the epoch the next barrier makes durable), drops the window from its key's state and
    /// deletes the timer, and the chunk is written in one write with what was applied before it.
    /// </summary>
    private void FireChunk()
    {
        if (!Due)
        {
            return;
        }

        var watermark = _watermark!.Value;
        var chunk = new List<TimerKey>(_sim.FireChunk);
        foreach (var timer in _timers)
        {
            if (timer.Time > watermark || chunk.Count == _sim.FireChunk)
            {
                break;
            }

            chunk.Add(timer);
        }

        foreach (var timer in chunk)
        {
            var counted = _states[timer.Key].Windows[timer.Time];
            _outbox = _outbox.Add(new StagedRow(_ledger.Epoch + 1, -1, RowKind.Fired, timer.Key, timer.Time, counted));
            _sim.Count("timer fired");
        }

        if (_sim.Options.FireTimersOutsideBatch)
        {
            // The switch: the rows go in this write, the deletes in the next turn's.
            Write();
            _pendingDeletes = chunk;
            return;
        }

        DeleteFired(chunk);
        if (_sim.Options.FiredWithoutTheirEvents)
        {
            // The switch: the chunk's states, rows and deletes are written, the coverage of the events applied since
            // the last write (which registered some of the timers) is not: a restore replays them, and they fire again.
            Written = Live with { Coverage = Written.Coverage, Epoch = Written.Epoch };
            return;
        }

        Write();
    }

    private void DeleteFired(IEnumerable<TimerKey> fired)
    {
        foreach (var timer in fired)
        {
            var state = _states[timer.Key];
            _states = _states.SetItem(timer.Key, state with { Windows = state.Windows.Remove(timer.Time) });
            _timers = _timers.Remove(timer);
        }
    }

    private void ApplyPendingDeletes()
    {
        if (_pendingDeletes.Count > 0)
        {
            DeleteFired(_pendingDeletes);
            _pendingDeletes = [];
            Write();
        }
    }

    /// <summary>
    /// Takes a shard's wm(s) from a batch applied or a barrier vouched for (never lowers it), then raises wm(p) to the
    /// minimum over the shards that are neither idle nor ended. A shard counts before its first record (it holds wm(p)
    /// where it is: FLINK-32828); with none left, wm(p) stays.
    /// </summary>
    private void TakeWatermark(string shardId, long? watermark, bool idle, bool ended)
    {
        // A shard first heard of starts at wm(p) (PartitionWatermark.Observe): it neither holds wm(p) below where it
        // is nor lets it run ahead.
        Know(shardId);
        var entry = _shardWatermarks[shardId];
        var next = new ShardWatermark(Max(entry.Watermark, watermark), idle, entry.Ended || ended);
        // Ghost: left out as idle while it still counted. A shard's ending round says idle too (read to its end), but an
        // ended shard is left out as ended: its children, named in that round, hold wm(p) where it was, so their
        // records inherit no idleness from it.
        if (idle && !ended)
        {
            _everIdle.Add(shardId);
        }

        if (next == entry)
        {
            // The minimum over the shards is what it was when wm(p) last took it.
            return;
        }

        _shardWatermarks = _shardWatermarks.SetItem(shardId, next);
        RaiseWatermark();
    }

    /// <summary>
    /// wm(p) = max(wm(p), the minimum over the shards neither idle nor ended), once this activation has had a barrier:
    /// a round names every open shard, so before one the partition may not know them all (a fresh start knows none, a
    /// restore only those its snapshot had heard of), and the shards it has heard from must not move wm(p) alone.
    /// </summary>
    private void RaiseWatermark()
    {
        if (!_heardOpenShards && !_sim.Options.NoOpenShardNames)
        {
            return;
        }

        long? min = null;
        foreach (var (_, shard) in _shardWatermarks)
        {
            if (shard.Idle || shard.Ended)
            {
                continue;
            }

            if (shard.Watermark is not { } w)
            {
                return;
            }

            min = min is { } m ? Math.Min(m, w) : w;
        }

        _watermark = Max(_watermark, min);
    }

    /// <summary>Ghost: the shard, or one of its ancestors (whose idleness its records inherit), was left out here as idle.</summary>
    private bool WasEverIdle(string shardId) =>
        _everIdle.Contains(shardId) || _sim.Stream.ById[shardId].Parents.Any(WasEverIdle);

    /// <summary>
    /// A shard first heard of by name counts from wm(p) on (PartitionWatermark.Know): it holds wm(p) where it is. A
    /// child named at its parent's end carries the parent's last wm(s) (<paramref name="startsAt"/>): it starts there
    /// where the partition has no watermark for it (none of its own, or known without one), rather than at none.
    /// </summary>
    private void Know(string shardId, long? startsAt = null)
    {
        if (!_shardWatermarks.TryGetValue(shardId, out var known))
        {
            if (_watermark is null && startsAt is not null)
            {
                _sim.Count("child started at its parent's end");
            }

            _shardWatermarks = _shardWatermarks.SetItem(shardId, new ShardWatermark(_watermark ?? startsAt, Idle: false, Ended: false));
        }
        else if (known is { Watermark: null, Ended: false } && startsAt is not null)
        {
            _sim.Count("child started at its parent's end");
            _shardWatermarks = _shardWatermarks.SetItem(shardId, known with { Watermark = startsAt });
        }
    }

    /// <summary>
    /// A shard the partition refused (a gap: events of it are missing here) holds wm(p) until its replay comes: known,
    /// and not idle, whatever its reader said before (PartitionWatermark.Hold).
    /// </summary>
    private void Hold(string shardId)
    {
        if (_sim.Options.NoGapHold)
        {
            return;
        }

        Know(shardId);
        if (_shardWatermarks[shardId] is { Idle: true } idle)
        {
            _shardWatermarks = _shardWatermarks.SetItem(shardId, idle with { Idle = false });
        }
    }

    private static long? Max(long? left, long? right) => left is not { } l ? right : right is not { } r ? l : Math.Max(l, r);

    private void CountReleased(int floorsBefore)
    {
        if (_ledger.Floors.Count < floorsBefore)
        {
            _sim.Count("floors released", floorsBefore - _ledger.Floors.Count);
        }
    }

    /// <summary>The write-behind: states, coverage, tallies, staged rows, timers and watermarks in one atomic write.</summary>
    public void Write()
    {
        Written = Live;
        _ledger.TakeChanged();
        _ledger.TakeChangedFloors();
        _batchesSinceWrite = 0;
        if (Snapshots is null)
        {
            DurableWatermark = Max(DurableWatermark, _watermark);
        }
    }

    /// <summary>A checkpoint barrier: write, vouch each shard (taking its wm(s)), fire a chunk of due timers, next epoch, write, snapshot. Returns the gaps.</summary>
    public List<ShardGap> Barrier(IReadOnlyList<ShardBarrier> barriers)
    {
        ApplyPendingDeletes();
        Write();
        var gaps = new List<ShardGap>();
        var floors = _ledger.Floors.Count;

        // Named shards first (as the grain does): a child named in its parent's ending round is known before the
        // parent's end lets wm(p) move, so it holds wm(p) where the parent held it.
        if (!_sim.Options.NoOpenShardNames)
        {
            foreach (var barrier in barriers.Where(b => b.OpenElsewhere))
            {
                Know(barrier.ShardId, Ticks.FromOffset(barrier.Watermark));
            }
        }

        foreach (var barrier in barriers)
        {
            if (_sim.Options.NoEntryIsProof && !_ledger.Shards.ContainsKey(barrier.ShardId) && barrier.LastSent is { } lastSent)
            {
                _ledger.Commit(barrier.ShardId, null, lastSent);
            }

            if (barrier.OpenElsewhere)
            {
                // Claims nothing: the shard exists and is read elsewhere; a partition that forgot it counts it again
                // (known above).
                continue;
            }

            if (_ledger.Vouch(barrier) is { } gap)
            {
                gaps.Add(gap);
                Hold(barrier.ShardId);
            }
            else
            {
                // wm(s) from a barrier it vouched for: it holds the shard up to Reached (the whole shard when ended).
                TakeWatermark(barrier.ShardId, Ticks.FromOffset(barrier.Watermark), barrier.Idle, barrier.Ended);
            }
        }

        CountReleased(floors);
        _heardOpenShards = true;
        RaiseWatermark();

        // Timers the barrier made due: one chunk now, its rows in the epoch this barrier makes durable.
        FireChunk();
        SnapshotNextEpoch();
        return gaps;
    }

    /// <summary>Starts the next epoch, writes and snapshots (a barrier's end, and a hand-over's).</summary>
    private void SnapshotNextEpoch()
    {
        _ledger.NextEpoch();
        Write();
        if (Snapshots is not null && Snapshots.Put(WriterToken, Written))
        {
            DurableWatermark = Max(DurableWatermark, Written.Watermark);
        }
    }

    /// <summary>
    /// A graceful move (the grain's OnDeactivateAsync): what was applied is written and snapshotted at the next epoch,
    /// without a round, so it fires no timer and vouches for no shard; the sinks get the durable rows, and once they
    /// have them all a second snapshot holds none; then the activation goes, and the next one restores the snapshot. No
    /// round named the open shards, so wm(p) moves only if a round of this activation did (switch
    /// <see cref="SimulationOptions.HandOverHearsOpenShards"/>).
    /// </summary>
    public void HandOver()
    {
        for (var round = 0; round < 2; round++)
        {
            ApplyPendingDeletes();
            Write();
            if (_sim.Options.HandOverHearsOpenShards)
            {
                _heardOpenShards = true;
                RaiseWatermark();
            }

            SnapshotNextEpoch();
            var staged = _outbox.Count > 0;
            Ship(_ => true, crashBeforeDelete: false);
            if (!staged || _outbox.Count > 0 || Snapshots is null)
            {
                break;
            }
        }

        Kill(leaveZombie: false);
    }

    /// <summary>
    /// Hands the rows of durable epochs (at or below the ledger's) to each sink that is <paramref name="due"/>: the
    /// epochs after the last one it committed, as one commit of the newest epoch's number (PartitionOutputs.ShipToAsync),
    /// except after a failed commit: that very batch first (its epochs, its number), then the later epochs. While faults
    /// run, a commit may land and still fail for the partition (<see cref="Simulation.CommitLandsButFails"/>): the sink has
    /// it, the partition does not know, and hands over again later (the same activation carries on). Then deletes from
    /// the local store the epochs every sink has. <paramref name="crashBeforeDelete"/>: the silo dies right after the
    /// commits, before the delete.
    /// </summary>
    /// <returns>False when it stopped for the crash.</returns>
    public bool Ship(Func<int, bool> due, bool crashBeforeDelete)
    {
        var durable = _ledger.Epoch;
        for (var sink = 0; sink < _sim.Sinks.Count; sink++)
        {
            if (!due(sink))
            {
                continue;
            }

            while (_committed[sink] < durable)
            {
                var through = _sim.Options.NoUnsettledRepeat ? durable : Math.Min(_unsettled[sink] ?? durable, durable);
                var after = _sim.Options.NoPerSinkEpochs ? 0 : _committed[sink];
                var rows = _outbox.Where(r => r.Epoch > after && r.Epoch <= through).ToList();
                if (rows.Count > 0)
                {
                    var epoch = rows.Max(r => r.Epoch);
                    _sim.Count(_sim.Sinks[sink].Commit(this, epoch, rows) ? "sink commit" : "sink epoch skipped");
                    if (_sim.CommitLandsButFails())
                    {
                        // It landed; the partition saw a failure. Its epochs stay staged, the batch unsettled.
                        _unsettled[sink] = epoch;
                        _sim.Count("sink commit landed but failed");
                        _sim.Note($"{Name} sink {sink} commit of epoch {epoch} landed but failed");
                        break;
                    }

                    if (_unsettled[sink] is not null)
                    {
                        _sim.Count(_sim.Options.NoUnsettledRepeat ? "unsettled sink batch folded" : "unsettled sink batch repeated");
                    }
                }

                _unsettled[sink] = null;
                _committed[sink] = Math.Max(_committed[sink], through);
            }
        }

        if (crashBeforeDelete)
        {
            return false;
        }

        var everyone = _committed.Min();
        _outbox = _outbox.RemoveAll(r => r.Epoch <= everyone);
        Written = Written with { Outbox = Written.Outbox.RemoveAll(r => r.Epoch <= everyone) };
        return true;
    }

    /// <summary>A zombie activation's late snapshot upload (rejected by a fenced store).</summary>
    public void ZombieWrites(int which)
    {
        var (token, image) = Zombies[which];
        Zombies.RemoveAt(which);
        Snapshots!.Put(token, image);
    }
}
