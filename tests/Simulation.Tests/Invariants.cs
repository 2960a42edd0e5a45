using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Simulation.Model;
using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Simulation;

/// <summary>
/// The checks. Double counting is caught where it happens (a record id applied twice to a key). After every step:
/// (1) every image a partition has (live, local store, the snapshot a restore would pick) holds exactly the records
/// its coverage claims: for each shard, all of the partition's records up to Covered and none after, so "covered"
/// is never a lie; (2) everything at or below each shard's checkpoint is in what a restore of each partition comes
/// back to (the exactly-once promise); a restore that knowingly fell back to an older snapshot is excused here (its
/// honest coverage makes the shard replay) but not at the end. Checkpoints never go backwards (checked on write).
/// Every check is per lane: a partition of the second view owes the records its view routes to it, not its index's.
/// </summary>
public static class Invariants
{
    public static void Check(Simulation sim)
    {
        foreach (var partition in sim.Partitions)
        {
            Honest(sim, partition, partition.Live, "live state");
            Honest(sim, partition, partition.Written, "local store");
            StoreImage durable;
            var fellBack = false;
            if (partition.Snapshots is { } snapshots)
            {
                var target = snapshots.RestoreTarget(out var knownFallback) ?? StoreImage.Empty;
                Honest(sim, partition, target, "restorable snapshot");
                fellBack = knownFallback || partition.FellBack;
                durable = target;
            }
            else
            {
                durable = partition.Written;
            }

            foreach (var shard in sim.Stream.Shards)
            {
                // Rule 4: after a known fallback a shard replays from the older coverage (the partition's gap), so its
                // checkpoint may be ahead for a while; an ended shard is replayed once a barrier finds the partition
                // no longer holds its end (unless that rule is off, then it is lost for good).
                if (sim.Leases[shard.Id].Checkpoint is not { } checkpoint || fellBack && !(checkpoint.Ended && sim.Options.NoEndedShardReplay))
                {
                    continue;
                }

                var upTo = checkpoint.Ended ? shard.Last : checkpoint.Position;
                var owed = shard.OwedUpTo(partition.Lane, upTo);
                var covered = durable.Coverage.GetValueOrDefault(shard.Id).Covered;
                var held = shard.OwedUpTo(partition.Lane, Min(upTo, covered));
                if (held < owed)
                {
                    sim.Fail(
                        "checkpoint passed the durable state",
                        $"{shard.Id} checkpoint {Simulation.Describe(checkpoint)} owes partition {partition.Name} {owed} records; what a restore comes back to covers {covered?.ToString() ?? "nothing"} ({held} records)");
                }
            }
        }
    }

    /// <summary>
    /// At the end of the drain: in every view, every key of every partition holds exactly the fold of the records its
    /// view routed there (a spread key's part: those of the partition's primary keys), and a spread key's parts merge
    /// to all records; every poison record was dead-lettered.
    /// </summary>
    public static void CheckFinal(Simulation sim)
    {
        var stream = sim.Stream;
        var good = stream.AllRecords.Where(r => !r.Poison).ToList();
        foreach (var partition in sim.Partitions)
        {
            var byKey = good.Where(r => stream.LaneOf(partition.View, r.Key) == partition.Lane)
                .GroupBy(r => stream.ViewKeyOf(partition.View, r.Key))
                .ToDictionary(g => g.Key, g => g.ToList());
            var states = partition.Live.States;
            foreach (var key in byKey.Keys.Union(states.Keys))
            {
                var state = states.GetValueOrDefault(key) ?? KeyState.Empty;
                var records = byKey.GetValueOrDefault(key) ?? [];
                var missing = records.Where(r => !state.Applied.Contains(r.Id)).ToList();
                if (missing.Count > 0 || state.Count != records.Count || state.Sum != records.Sum(r => (long)r.Value))
                {
                    sim.Fail(
                        "final state is not the fold of its records",
                        $"key {key} (partition {partition.Name}): count {state.Count} sum {state.Sum}, expected count {records.Count} sum {records.Sum(r => r.Value)}; missing {string.Join(", ", missing.Take(5))}");
                }
            }
        }

        if (stream.Spread)
        {
            // The query of a spread key: every partition's part, merged (GetMergedAsync).
            var parts = sim.Partitions.Where(p => p.View == 1).Select(p => p.Live.States.GetValueOrDefault(0) ?? KeyState.Empty).ToList();
            if (parts.Sum(p => p.Count) != good.Count || parts.Sum(p => p.Sum) != good.Sum(r => (long)r.Value))
            {
                sim.Fail("a spread key's merged parts are not the fold of every record", $"count {parts.Sum(p => p.Count)} sum {parts.Sum(p => p.Sum)}, expected {good.Count} and {good.Sum(r => (long)r.Value)}");
            }
        }

        foreach (var poison in sim.Stream.AllRecords.Where(r => r.Poison))
        {
            if (!sim.DeadLetters.ContainsKey(poison.Id))
            {
                sim.Fail("poison event lost", $"{poison} was never dead-lettered");
            }

            if (sim.Sinks.Any(s => Enumerable.Range(0, stream.Views).Any(view => s.Rows.ContainsKey(StagedRow.Of(poison, view)))))
            {
                sim.Fail("sink row of a dead letter", $"{poison} was dead-lettered, yet its row was committed");
            }
        }

        // Every event's row (one per view) is in each sink exactly once; more than once only where a restore fell behind
        // the sinks' epoch (a lost or corrupt snapshot: the rows of the events it replays were committed already).
        foreach (var (record, view) in good.SelectMany(r => Enumerable.Range(0, stream.Views).Select(v => (r, v))))
        {
            var partition = sim.Partitions[stream.LaneOf(view, record.Key)];
            for (var sink = 0; sink < sim.Sinks.Count; sink++)
            {
                var times = sim.Sinks[sink].Rows.GetValueOrDefault(StagedRow.Of(record, view));
                if (times == 0)
                {
                    sim.Fail("sink row lost", $"the row of {record} (partition {partition.Name}) was never committed to sink {sink}");
                }

                if (times > 1)
                {
                    if (!partition.FellBehindSink)
                    {
                        sim.Fail("sink row duplicated", $"the row of {record} (partition {partition.Name}) was committed {times} times to sink {sink}");
                    }

                    sim.Count("sink row repeated after a fallback");
                }
            }
        }
    }

    private static void Honest(Simulation sim, SimulatedPartition partition, StoreImage image, string what)
    {
        // An image never changes and its records never move: one that was honest once stays so (most steps leave a
        // partition's store and snapshots as they were).
        if (!sim.HonestImages.Add(image))
        {
            return;
        }

        foreach (var (shardId, tally) in image.Tallies)
        {
            if (tally.Applied > 0 && !image.Coverage.ContainsKey(shardId))
            {
                sim.Fail("coverage without entry", $"partition {partition.Name} {what} applied {tally.Applied} records of {shardId} without a coverage entry");
            }
        }

        foreach (var (shardId, coverage) in image.Coverage)
        {
            var shard = sim.Stream.ById[shardId];
            var tally = image.Tallies.GetValueOrDefault(shardId);
            var owed = shard.OwedUpTo(partition.Lane, coverage.Covered);
            if (tally.Applied != owed)
            {
                sim.Fail(
                    tally.Applied < owed ? "coverage claims records the state lacks" : "state holds records beyond its coverage",
                    $"partition {partition.Name} {what}: {shardId} covered {coverage.Covered?.ToString() ?? "nothing"} (mark {coverage.Mark?.ToString() ?? "none"}) owes {owed} records, holds {tally.Applied}");
            }

            if (tally.MaxApplied is { } max && (coverage.Covered is not { } c || max > c))
            {
                sim.Fail("state holds records beyond its coverage", $"partition {partition.Name} {what}: {shardId} applied up to {max}, covered {coverage.Covered}");
            }
        }
    }

    private static Position? Min(Position? left, Position? right) =>
        left is not { } l || right is not { } r ? null : l <= r ? l : r;
}
