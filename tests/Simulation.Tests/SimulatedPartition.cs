using System.Collections.Immutable;
using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.KeyedState.ExactlyOnce;
using KinesisGrains.Simulation.Model;

using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Simulation;

/// <summary>A batch (From, To] of one shard for one partition: every event of the partition's keys in that range.</summary>
public sealed record SimBatch(string ShardId, Position? From, Position To, IReadOnlyList<SimRecord> Events, long ReceiverId);

/// <summary>
/// The keyed-state partition grain of one lane (partition <see cref="Index"/> of view <see cref="View"/>), reduced to
/// its protocol: an activation holds live states (by the view's key) and a <see cref="PartitionLedger"/>; it writes
/// them behind (every k batches) to a local store atomically; a barrier writes, vouches, starts the next epoch and
/// snapshots. Killing the activation loses memory and the unwritten; a new one restores the local store (no snapshot
/// store: same silo) or the newest readable snapshot.
/// </summary>
public sealed class SimulatedPartition
{
    private readonly Simulation _sim;
    private readonly int _writeEvery;
    private int _batchesSinceWrite;

    // The live activation.
    private PartitionLedger _ledger = null!;
    private ImmutableDictionary<int, KeyState> _states = null!;
    private ImmutableDictionary<string, ShardTally> _tallies = null!;
    private ImmutableList<StagedRow> _outbox = [];

    // Per sink, the epochs up to which it has this partition's rows (learnt at activation, then from its commits).
    private long[] _committed = [];

    public SimulatedPartition(Simulation sim, int lane, int writeEvery, SnapshotStore? snapshots)
    {
        _sim = sim;
        Lane = lane;
        View = lane / sim.Stream.Partitions;
        Index = lane % sim.Stream.Partitions;
        _writeEvery = writeEvery;
        Snapshots = snapshots;
        Activate();
    }

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

    /// <summary>Activations declared dead but still running, each with what it last wrote and its old token.</summary>
    public List<(long Token, StoreImage Image)> Zombies { get; } = [];

    /// <summary>What a query sees now.</summary>
    public StoreImage Live => new(_states, _ledger.Shards.ToImmutableDictionary(StringComparer.Ordinal), _tallies, _ledger.Epoch, _outbox);

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

        Activate();
    }

    private void Activate()
    {
        var knownFallback = false;
        var image = Snapshots is null ? Written : Snapshots.RestoreTarget(out knownFallback) ?? StoreImage.Empty;
        FellBack |= knownFallback;
        if (knownFallback)
        {
            _sim.Count("fallback restore");
        }
        Written = image;

        _ledger = new PartitionLedger(image.Coverage, image.Epoch);

        // The sinks may hold epochs this image never saw (it fell back behind them): new rows must not reuse their numbers.
        _committed = [.. _sim.Sinks.Select(s => s.CommittedEpoch(Lane))];
        if (_committed.Max() > image.Epoch)
        {
            FellBehindSink = true;
            _sim.Count("restored behind the sink");
            if (!_sim.Options.NoSinkEpochBump)
            {
                _ledger.SkipEpochsTo(_committed.Max());
            }
        }

        _outbox = image.Outbox;
        _states = image.States;
        _tallies = image.Tallies;
        _batchesSinceWrite = 0;
        WriterToken = _sim.NextToken();
        Snapshots?.Acquire(WriterToken);
    }

    /// <summary>One delivery of a batch (Orleans may deliver a batch again: the ledger skips what was applied).</summary>
    public void Deliver(SimBatch batch)
    {
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
            return;
        }

        Position? lastNew = null;
        var tally = _tallies.GetValueOrDefault(shardId);
        foreach (var record in batch.Events)
        {
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

            var key = _sim.Stream.ViewKeyOf(View, record.Key);
            var state = _states.GetValueOrDefault(key) ?? KeyState.Empty;
            if (state.Applied.Contains(record.Id))
            {
                _sim.Fail("double count", $"partition {Name} applied {record} twice (batch {shardId} ({batch.From}, {batch.To}], mark {admission.SkipUpTo})");
            }

            _states = _states.SetItem(key, new KeyState(state.Sum + record.Value, state.Count + 1, state.Applied.Add(record.Id)));

            // The logic emits one row per event, staged with the state for the next barrier's epoch.
            _outbox = _outbox.Add(new StagedRow(_ledger.Epoch + 1, StagedRow.Of(record, View)));
            tally = new ShardTally(tally.Applied + 1, record.Position);
        }

        _tallies = _tallies.SetItem(shardId, tally);
        _ledger.Commit(shardId, lastNew, batch.To);
        if (++_batchesSinceWrite >= _writeEvery)
        {
            Write();
        }
    }

    /// <summary>The write-behind: states, coverage and tallies in one atomic write.</summary>
    public void Write()
    {
        _ledger.TakeChanged();
        Written = Live;
        _batchesSinceWrite = 0;
    }

    /// <summary>A checkpoint barrier: write, vouch each shard, next epoch, write, snapshot. Returns the gaps.</summary>
    public List<ShardGap> Barrier(IReadOnlyList<ShardBarrier> barriers)
    {
        Write();
        var gaps = new List<ShardGap>();
        foreach (var barrier in barriers)
        {
            if (_sim.Options.NoEntryIsProof && !_ledger.Shards.ContainsKey(barrier.ShardId) && barrier.LastSent is { } lastSent)
            {
                _ledger.Commit(barrier.ShardId, null, lastSent);
            }

            if (_ledger.Vouch(barrier) is { } gap)
            {
                gaps.Add(gap);
            }
        }

        _ledger.NextEpoch();
        Write();
        Snapshots?.Put(WriterToken, Written);
        return gaps;
    }

    /// <summary>
    /// Hands the rows of durable epochs (at or below the ledger's) to each sink that is <paramref name="due"/>: the
    /// epochs after the last one it committed, as one commit of the newest epoch's number (PartitionOutputs.ShipAsync);
    /// then deletes from the local store the epochs every sink has. <paramref name="crashBeforeDelete"/>: the silo dies
    /// right after the commits, before the delete.
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

            var after = _sim.Options.NoPerSinkEpochs ? 0 : _committed[sink];
            var rows = _outbox.Where(r => r.Epoch > after && r.Epoch <= durable).ToList();
            if (rows.Count > 0)
            {
                _sim.Count(_sim.Sinks[sink].Commit(Lane, rows.Max(r => r.Epoch), rows.Select(r => r.RecordId)) ? "sink commit" : "sink epoch skipped");
            }

            _committed[sink] = Math.Max(_committed[sink], durable);
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
