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
                var owed = shard.OwedUpTo(partition.Index, upTo);
                var covered = durable.Coverage.GetValueOrDefault(shard.Id).Covered;
                var held = shard.OwedUpTo(partition.Index, Min(upTo, covered));
                if (held < owed)
                {
                    sim.Fail(
                        "checkpoint passed the durable state",
                        $"{shard.Id} checkpoint {Simulation.Describe(checkpoint)} owes partition {partition.Index} {owed} records; what a restore comes back to covers {covered?.ToString() ?? "nothing"} ({held} records)");
                }
            }
        }
    }

    /// <summary>At the end of the drain: every key holds exactly the fold of all its records; every poison record was dead-lettered.</summary>
    public static void CheckFinal(Simulation sim)
    {
        var byKey = sim.Stream.AllRecords.Where(r => !r.Poison).GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.ToList());
        for (var key = 0; key < sim.Stream.Keys; key++)
        {
            var partition = sim.Partitions[sim.Stream.PartitionOf(key)];
            var state = partition.Live.States.GetValueOrDefault(key) ?? KeyState.Empty;
            var records = byKey.GetValueOrDefault(key) ?? [];
            var missing = records.Where(r => !state.Applied.Contains(r.Id)).ToList();
            if (missing.Count > 0 || state.Count != records.Count || state.Sum != records.Sum(r => (long)r.Value))
            {
                sim.Fail(
                    "final state is not the fold of its records",
                    $"key {key} (partition {partition.Index}): count {state.Count} sum {state.Sum}, expected count {records.Count} sum {records.Sum(r => r.Value)}; missing {string.Join(", ", missing.Take(5))}");
            }
        }

        foreach (var poison in sim.Stream.AllRecords.Where(r => r.Poison))
        {
            if (!sim.DeadLetters.ContainsKey(poison.Id))
            {
                sim.Fail("poison event lost", $"{poison} was never dead-lettered");
            }

            if (sim.Sinks.Any(s => s.Rows.ContainsKey(poison.Id)))
            {
                sim.Fail("sink row of a dead letter", $"{poison} was dead-lettered, yet its row was committed");
            }
        }

        // Every event's row is in each sink exactly once; more than once only where a restore fell behind the sinks'
        // epoch (a lost or corrupt snapshot: the rows of the events it replays were committed already).
        foreach (var record in sim.Stream.AllRecords.Where(r => !r.Poison))
        {
            var partition = sim.Partitions[sim.Stream.PartitionOf(record.Key)];
            for (var sink = 0; sink < sim.Sinks.Count; sink++)
            {
                var times = sim.Sinks[sink].Rows.GetValueOrDefault(record.Id);
                if (times == 0)
                {
                    sim.Fail("sink row lost", $"the row of {record} (partition {partition.Index}) was never committed to sink {sink}");
                }

                if (times > 1)
                {
                    if (!partition.FellBehindSink)
                    {
                        sim.Fail("sink row duplicated", $"the row of {record} (partition {partition.Index}) was committed {times} times to sink {sink}");
                    }

                    sim.Count("sink row repeated after a fallback");
                }
            }
        }
    }

    private static void Honest(Simulation sim, SimulatedPartition partition, StoreImage image, string what)
    {
        foreach (var (shardId, tally) in image.Tallies)
        {
            if (tally.Applied > 0 && !image.Coverage.ContainsKey(shardId))
            {
                sim.Fail("coverage without entry", $"partition {partition.Index} {what} applied {tally.Applied} records of {shardId} without a coverage entry");
            }
        }

        foreach (var (shardId, coverage) in image.Coverage)
        {
            var shard = sim.Stream.ById[shardId];
            var tally = image.Tallies.GetValueOrDefault(shardId);
            var owed = shard.OwedUpTo(partition.Index, coverage.Covered);
            if (tally.Applied != owed)
            {
                sim.Fail(
                    tally.Applied < owed ? "coverage claims records the state lacks" : "state holds records beyond its coverage",
                    $"partition {partition.Index} {what}: {shardId} covered {coverage.Covered?.ToString() ?? "nothing"} (mark {coverage.Mark?.ToString() ?? "none"}) owes {owed} records, holds {tally.Applied}");
            }

            if (tally.MaxApplied is { } max && (coverage.Covered is not { } c || max > c))
            {
                sim.Fail("state holds records beyond its coverage", $"partition {partition.Index} {what}: {shardId} applied up to {max}, covered {coverage.Covered}");
            }
        }
    }

    private static Position? Min(Position? left, Position? right) =>
        left is not { } l || right is not { } r ? null : l <= r ? l : r;
}
