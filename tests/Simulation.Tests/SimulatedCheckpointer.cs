using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Simulation.Model;
using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Simulation;

/// <summary>A shard's lease row: its checkpoint and the counter that fences an earlier holder's writes.</summary>
internal sealed class Lease
{
    public ShardCheckpoint? Checkpoint { get; set; }
    public long Counter { get; set; }

    /// <summary>For an ended shard: the last position its partitions vouched for with SHARD_END (null: the shard had no records).</summary>
    public Position? End { get; set; }

    /// <summary>An ended shard a partition fell back behind: read it again from <see cref="ReplayFrom"/> to its end.</summary>
    public bool ReplayRequested { get; set; }

    public Position? ReplayFrom { get; set; }
}

/// <summary>
/// The checkpointer (ShardCheckpointer): reads report what was delivered; a cycle sends one barrier per shard to
/// every partition of every view, each with its own lane's LastSent (PartitionCheckpointBarrier), holds back and
/// rewinds a shard any partition has a gap in, and otherwise moves its lease checkpoint forward (only forward, under
/// the lease counter).
/// </summary>
internal sealed class SimulatedCheckpointer(Simulation sim)
{
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    // The lease table as the last lease sync listed it (NoteLeases): a reshard's children are in it only after a sync,
    // which may come after their parent's ending round.
    private HashSet<string> _listed = new(StringComparer.Ordinal);

    // Children an ended receiver's last read reported, not listed yet: named in every round until a sync lists them.
    private readonly HashSet<string> _unlistedChildren = new(StringComparer.Ordinal);

    // Each shard's last wm(s) at its end (ShardCheckpointer's last watermarks): a named child carries its parents'
    // earliest, where it starts for a partition without a watermark for it.
    private readonly Dictionary<string, long?> _lastWatermarks = new(StringComparer.Ordinal);

    public int Cycles { get; private set; }

    /// <summary>Every cycle barriers every shard (the drain: each silo's rounds have each carried its shards' last word).</summary>
    public bool WholeRounds { get; set; }

    public void Processed(SimulatedReceiver receiver, Position? reached, Position?[] lastSent) =>
        _pending[receiver.ShardId] = new Pending(receiver, reached, false, lastSent, receiver.DeliveredWatermark);

    public void Ended(SimulatedReceiver receiver)
    {
        _pending[receiver.ShardId] = _pending.TryGetValue(receiver.ShardId, out var pending) && pending.Receiver == receiver
            ? pending with { Ended = true }
            : new Pending(receiver, null, true, receiver.LastSent, receiver.DeliveredWatermark);

        _lastWatermarks[receiver.ShardId] = _pending[receiver.ShardId].Watermark;

        // SHARD_END's page names the children (ChildShards).
        if (!sim.Options.NoChildrenNamed)
        {
            _unlistedChildren.UnionWith(sim.Stream.Shards.Where(s => s.Parents.Contains(receiver.ShardId) && !_listed.Contains(s.Id)).Select(s => s.Id));
        }
    }

    /// <summary>The lease sync: the checkpointer learns the lease table as it is now.</summary>
    public void NoteLeases()
    {
        _listed = sim.Leases.Keys.ToHashSet(StringComparer.Ordinal);
        _unlistedChildren.ExceptWith(_listed);
    }

    /// <summary>
    /// Rule 4 for ended shards: each round claims every ended shard's end (none with a replay under way), so a partition
    /// that no longer holds it reports a gap, holds its watermark for it and gets a replay (<see cref="RequestReplays"/>).
    /// </summary>
    public List<(string ShardId, Position? End)> EndedClaims() =>
        sim.Options.NoEndedShardReplay
            ? []
            : [.. sim.Leases.Where(l => l.Value is { Checkpoint.Ended: true, ReplayRequested: false }).Select(l => (l.Key, l.Value.End))];

    /// <summary>Asks for a replay of each claimed ended shard some partition reported a gap for; true when any was.</summary>
    public bool RequestReplays(List<(string ShardId, Position? End)> ended, Dictionary<string, List<ShardGap>> gaps)
    {
        var requested = false;
        foreach (var (shardId, _) in ended)
        {
            if (gaps.TryGetValue(shardId, out var endedGaps))
            {
                var lease = sim.Leases[shardId];
                lease.ReplayRequested = true;
                lease.ReplayFrom = endedGaps.Skip(1).Aggregate(endedGaps[0].HoldsUpTo, (start, gap) => ShardGap.EarlierStart(start, gap.HoldsUpTo));
                sim.Count("ended shard replay");
                sim.Note($"replay ended {shardId} from {lease.ReplayFrom?.ToString() ?? "origin"}");
                requested = true;
            }
        }

        return requested;
    }

    /// <summary>A lease the last sync listed: only those a balancer takes.</summary>
    public bool IsListed(string shardId) => _listed.Contains(shardId);

    public bool IsEnded(SimulatedReceiver receiver) => _pending.TryGetValue(receiver.ShardId, out var p) && p.Receiver == receiver && p.Ended;

    /// <summary>The receiver lost its lease or died: what it reported is not ours to checkpoint any more.</summary>
    public void Forget(SimulatedReceiver receiver)
    {
        if (_pending.TryGetValue(receiver.ShardId, out var pending) && pending.Receiver == receiver)
        {
            _pending.Remove(receiver.ShardId);
        }
    }

    /// <returns>True when anything was rewound or written (the drain's progress signal).</returns>
    public bool Cycle()
    {
        foreach (var receiver in sim.Receivers)
        {
            receiver.AnnounceIdle();
        }

        var shards = _pending.Values.Where(p => p.Receiver.Alive).ToList();
        if (shards.Count == 0)
        {
            return false;
        }

        // Every silo runs rounds for the shards it reads: half the cycles are one silo's, with a share of the shards.
        if (!WholeRounds && shards.Count > 1 && sim.Random.Next(2) == 0)
        {
            shards = [.. shards.Where(_ => sim.Random.Next(2) == 0)];
            if (shards.Count == 0)
            {
                return false;
            }
        }

        // The other open shards of the lease table are named: the round claims nothing of them, but a partition that
        // does not know one (restored from before it heard of it) counts it from now on.
        var inRound = shards.Select(p => p.Receiver.ShardId).ToHashSet(StringComparer.Ordinal);
        var named = sim.Leases
            .Where(l => l.Value.Checkpoint is not { Ended: true } && _listed.Contains(l.Key) || _unlistedChildren.Contains(l.Key))
            .Where(l => !inRound.Contains(l.Key))
            .Select(l => new ShardBarrier(l.Key, null, false, null, Ticks.ToOffset(StartOf(l.Key)), OpenElsewhere: true))
            .ToList();

        Cycles++;
        if (shards.Any(p => p.Ended && sim.Stream.Shards.Any(c => c.Parents.Contains(p.Receiver.ShardId) && !_listed.Contains(c.Id))))
        {
            sim.Count("ending round before the children are listed");
        }

        var ended = EndedClaims();
        var gaps = new Dictionary<string, List<ShardGap>>(StringComparer.Ordinal);
        foreach (var partition in sim.Partitions)
        {
            // Switched off: partition p of every view is told the primary view's lane p (barriers per partition, not per lane).
            var lane = sim.Options.PrimaryLaneBarriers ? partition.Index : partition.Lane;

            // Each barrier carries wm(s) at Reached, and whether the shard is idle (read to its current end, all delivered).
            var barriers = shards.Select(p => new ShardBarrier(
                    p.Receiver.ShardId, p.Reached, p.Ended, p.LastSent[lane], Ticks.ToOffset(p.Watermark), p.Receiver.Idle && p.Reached == p.Receiver.HandedOut))
                .Concat(ended.Select(e => new ShardBarrier(e.ShardId, e.End, Ended: true, e.End)))
                .Concat(named)
                .ToList();
            foreach (var gap in partition.Barrier(barriers))
            {
                (gaps.TryGetValue(gap.ShardId, out var list) ? list : gaps[gap.ShardId] = []).Add(gap);
            }
        }

        var changed = RequestReplays(ended, gaps);

        foreach (var pending in shards)
        {
            var receiver = pending.Receiver;
            var shardId = receiver.ShardId;
            if (gaps.TryGetValue(shardId, out var shardGaps))
            {
                var start = shardGaps[0].HoldsUpTo;
                foreach (var gap in shardGaps.Skip(1))
                {
                    start = ShardGap.EarlierStart(start, gap.HoldsUpTo);
                }

                sim.Count("rewind");
                if (sim.Leases[shardId].Checkpoint is { Position: { } at } && (start is not { } s || s < at))
                {
                    sim.Count("rewind behind checkpoint");
                }

                sim.Note($"gap {shardId} ({string.Join(",", shardGaps.Select(g => g.HoldsUpTo?.ToString() ?? "origin"))}) rewind {receiver.Id} to {start?.ToString() ?? "origin"}");
                receiver.Rewind(start);
                _pending.Remove(shardId);
                changed = true;
                continue;
            }

            if (pending.Reached is null && !pending.Ended)
            {
                continue;
            }

            if (receiver.Replay)
            {
                // A replay of an ended shard moves no checkpoint: at its end, with no gap, the request is done.
                var replayed = sim.Leases[shardId];
                if (pending.Ended && replayed.Counter == receiver.LeaseCounter && replayed.ReplayRequested && replayed.ReplayFrom == receiver.Start)
                {
                    replayed.ReplayRequested = false;
                    replayed.ReplayFrom = null;
                    sim.Note($"replayed ended {shardId}");
                    _pending.Remove(shardId);
                    sim.Retire(receiver);
                    changed = true;
                }

                continue;
            }

            var checkpoint = new ShardCheckpoint(pending.Reached, pending.Ended);
            var lease = sim.Leases[shardId];
            sim.Note($"vouched {shardId} {Simulation.Describe(checkpoint)}");
            if (lease.Checkpoint != checkpoint && !checkpoint.IsAfter(lease.Checkpoint))
            {
                sim.Count("checkpoint behind written");
            }

            if (lease.Checkpoint == checkpoint || !checkpoint.IsAfter(lease.Checkpoint) && !sim.Options.CheckpointBackwards)
            {
                continue;
            }

            if (lease.Counter != receiver.LeaseCounter)
            {
                // LeaseLostException: someone else holds the shard now.
                receiver.Alive = false;
                Forget(receiver);
                continue;
            }

            sim.WriteCheckpoint(shardId, checkpoint);
            changed = true;
            if (checkpoint.Ended)
            {
                _pending.Remove(shardId);
                sim.Retire(receiver);
            }
        }

        return changed;
    }

    /// <summary>Where a named shard starts for a partition without a watermark for it: its ended parents' earliest last wm(s).</summary>
    private long? StartOf(string shardId) =>
        sim.Stream.ById[shardId].Parents.Select(p => _lastWatermarks.GetValueOrDefault(p)).Min();

    private sealed record Pending(SimulatedReceiver Receiver, Position? Reached, bool Ended, Position?[] LastSent, long? Watermark);
}
