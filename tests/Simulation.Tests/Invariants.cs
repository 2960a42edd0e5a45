using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.KeyedState.ExactlyOnce;
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
/// Event time: at every activation the restored wm(p) is not below what the partition made durable (unless the
/// restore knowingly fell back); at the end every timer at or below wm(p) fired exactly once into each sink with its
/// window's true count, and every record is in exactly one of: a fired row, the late side output, a window still open.
/// Every check is per lane and view: a partition of the second view owes the records its view routes to it, under the
/// view's key, and its rows are its view's. After a rescale a partition's copies may hold a key range beyond its
/// coverage, up to the floor the range's old partition held it to: "exactly the records it claims" reads the floors too.
/// A spread view's part moves whole with its old partition, so a new partition's ledger may claim records of its range
/// that another's part holds (<see cref="StoreImage.Away"/>, left out of the claim) and its part may hold other ranges'
/// records (<see cref="StoreImage.Foreign"/>, left out of its tallies); the rescale checks that each record its new
/// partition's ledger claims is in exactly one part, and the end that the parts merge to every record once.
/// </summary>
internal static class Invariants
{
    public static void Check(Simulation sim)
    {
        foreach (var partition in sim.Partitions)
        {
            Honest(sim, partition, partition.Live, "live state");
            HonestOnce(sim, partition, partition.Written, "local store", 0);
            StoreImage durable;
            var fellBack = false;
            if (partition.Snapshots is { } snapshots)
            {
                var target = snapshots.RestoreTarget(out var knownFallback) ?? StoreImage.Empty;
                HonestOnce(sim, partition, target, "restorable snapshot", 1);
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
                var held = durable.Floors.TryGetValue(shard.Id, out var floors)
                    ? HeldWithFloors(sim, partition, shard, covered, floors, upTo)
                    : shard.OwedUpTo(partition.Lane, Min(upTo, covered));
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
            // A spread part a rescale moved holds other ranges' records, and some of its own range's are in other parts.
            var live = partition.Live;
            var byKey = good.Where(r => stream.LaneOf(partition.View, r.Key) == partition.Lane ? !live.Away.Contains(r.Id) : live.Foreign.Contains(r.Id))
                .GroupBy(r => stream.ViewKeyOf(partition.View, r.Key))
                .ToDictionary(g => g.Key, g => g.ToList());
            var states = live.States;
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
            // The query of a spread key: every partition's part, merged (GetMergedAsync). Each record once, but those a
            // rescaled part that came back empty knowingly lost or doubled.
            var parts = sim.Partitions.Where(p => p.View == 1).Select(p => p.Live.States.GetValueOrDefault(0) ?? KeyState.Empty).ToList();
            var count = good.Sum(r => 1 + sim.SpreadCopies.GetValueOrDefault(r.Id));
            var sum = good.Sum(r => (long)r.Value * (1 + sim.SpreadCopies.GetValueOrDefault(r.Id)));
            if (parts.Sum(p => p.Count) != count || parts.Sum(p => p.Sum) != sum)
            {
                sim.Fail("a spread key's merged parts are not the fold of every record", $"count {parts.Sum(p => p.Count)} sum {parts.Sum(p => p.Sum)}, expected {count} and {sum}");
            }

            if (sim.SpreadCopies.Values.Any(c => c != 0))
            {
                sim.Count("seed with spread records lost or doubled");
            }
        }

        foreach (var poison in stream.AllRecords.Where(r => r.Poison))
        {
            if (!sim.DeadLetters.ContainsKey(poison.Id))
            {
                sim.Fail("poison event lost", $"{poison} was never dead-lettered");
            }

            if (sim.Sinks.Any(s => Enumerable.Range(0, stream.Views).Any(view => s.Rows.ContainsKey((view, poison.Id)))))
            {
                sim.Fail("sink row of a dead letter", $"{poison} was dead-lettered, yet its row was committed");
            }
        }

        // Every event's row (one per view) is in each sink exactly once; more than once only where a restore fell
        // behind the sinks' epoch (a lost or corrupt snapshot: the rows of the events it replays were committed already).
        foreach (var (record, view) in good.SelectMany(r => Enumerable.Range(0, stream.Views).Select(v => (r, v))))
        {
            var partition = sim.Partitions[stream.LaneOf(view, record.Key)];
            for (var sink = 0; sink < sim.Sinks.Count; sink++)
            {
                var times = sim.Sinks[sink].Rows.GetValueOrDefault((view, record.Id));
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

        CheckTimers(sim);
    }

    /// <summary>
    /// Liveness at the end of the drain: every shard is read to its tip and delivered, so none may hold a partition's
    /// watermark back: each shard a partition knows is idle or ended (else its event-time timers wait for records that
    /// may never come).
    /// </summary>
    public static void CheckWatermarksReleased(Simulation sim)
    {
        foreach (var partition in sim.Partitions)
        {
            foreach (var (shardId, shard) in partition.ShardWatermarks)
            {
                if (!shard.Idle && !shard.Ended)
                {
                    sim.Fail("watermark held back", $"{partition.Name}: shard {shardId} (wm(s) {shard.Watermark?.ToString() ?? "-"}) is neither idle nor ended after the drain; wm(p) {partition.Watermark?.ToString() ?? "-"}");
                    return;
                }
            }
        }
    }

    /// <summary>
    /// When an event goes to the late output: it is late by its own shard's order (its window ends at or below what its
    /// shard's records before it, and its ancestors', say), or its shard was left out of wm(p) as idle at some point. A
    /// partition's watermark is a minimum over every shard that feeds it, so otherwise wm(p) moved past the event while
    /// the partition did not count its shard: it forgot it (a restore that lost its entry, a shard refused for a gap)
    /// or never heard of it (a round that did not name it).
    /// </summary>
    /// <param name="excusedUpTo">A rescale merged the record's key here under a later watermark than its old partition's: late up to it.</param>
    public static void CheckLateEvent(Simulation sim, SimulatedPartition partition, SimRecord record, long windowEnd, bool shardWasIdle, long? excusedUpTo = null)
    {
        if (shardWasIdle)
        {
            sim.Count("late after idle");
            return;
        }

        if (sim.Stream.OwnWatermarkBefore(record, sim.Options.OutOfOrderness) is not { } own || windowEnd > own)
        {
            if (windowEnd <= excusedUpTo)
            {
                sim.Count("late after a rescale");
                return;
            }

            sim.Fail(
                "late by a shard not counted",
                $"{record} went to the late output of {partition.Name} (window ending {windowEnd}, wm(p) {partition.Watermark}), but its own shard's wm before it is {(sim.Stream.OwnWatermarkBefore(record, sim.Options.OutOfOrderness)?.ToString() ?? "none")} and the shard was never idle there; wm(s) known: {string.Join(", ", partition.ShardWatermarks.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => $"{w.Key}={w.Value.Watermark?.ToString() ?? "-"}{(w.Value.Idle ? " idle" : "")}{(w.Value.Ended ? " ended" : "")}"))}");
        }
    }

    /// <summary>
    /// At each activation: wm(p) never moves backwards across kills and restores. What a restore comes back to was
    /// written with the watermark its state was built under; only a known fallback (an older snapshot) goes back.
    /// </summary>
    public static void CheckRestoredWatermark(Simulation sim, SimulatedPartition partition, long? restored, bool knownFallback)
    {
        if (knownFallback || partition.DurableWatermark is not { } durable)
        {
            return;
        }

        if (restored is not { } r || r < durable)
        {
            sim.Fail(
                "watermark moved backwards",
                $"partition {partition.Name} restored wm(p) {restored?.ToString() ?? "none"}, below the {durable} it had made durable");
        }
    }

    /// <summary>
    /// At the end of the drain, per sink: (1) no timer fired twice, and each timer row's count is the number of its
    /// key's records in its window minus those that went to the late side output (ground truth from the generated
    /// records), every id it counted being of that key and window; (2) every record is in exactly one of: a committed
    /// timer row, the committed late side output, its key's window still open in the final state; (3) every timer at or
    /// below the final wm(p) fired (none is left due), every open window has its timer and every timer its window,
    /// and no late row is of a window above wm(p); (4) each partition's timer rows reach the sink in (time, key)
    /// order. A partition restored behind its sinks' epoch (rows again: at least once) is held to no loss only. All of
    /// it per view: a key is the view's key, a timer the partition's (a spread key has a timer in every partition), and
    /// a record is in one window of each view. A timer is its view's (key, time), whichever partition a rescale had the
    /// key in when it fired. A spread key's timer is its part's: its lane's, and once a rescale moved the parts, the
    /// partition's that fired it (parts move whole and merge, so no lane's records make its window): such a row is held
    /// to its records (each in exactly one row, the late output or an open window), not to a lane's window.
    /// </summary>
    public static void CheckTimers(Simulation sim)
    {
        var stream = sim.Stream;
        var records = stream.AllRecords.Where(r => !r.Poison).ToList();
        var byId = records.ToDictionary(r => r.Id);
        // A spread key's timer is one per partition; any other key's is one per view.
        bool IsSpread(int view) => stream.Spread && view == 1;
        int SpreadLane(int view, int lane) => IsSpread(view) ? lane : -1;
        var moved = sim.SpreadRescaled;
        int PartOf(FiredRow row) => !IsSpread(row.View) ? -1 : moved ? -2 - row.By.Serial : row.Partition;
        var byWindow = records
            .SelectMany(r => Enumerable.Range(0, stream.Views).Select(view => (View: view, Lane: SpreadLane(view, stream.LaneOf(view, r.Key)), Timer: new TimerKey(sim.Options.WindowEnd(r.EventTime), stream.ViewKeyOf(view, r.Key)), Record: r)))
            .GroupBy(w => (w.View, w.Lane, w.Timer))
            .ToDictionary(g => g.Key, g => g.Select(w => w.Record).ToList());
        var lives = sim.Partitions.Select(p => p.Live).ToList();

        foreach (var partition in sim.Partitions)
        {
            var live = lives[partition.Lane];
            foreach (var timer in live.Timers)
            {
                if (partition.Watermark is { } wm && timer.Time <= wm)
                {
                    sim.Fail("due timer not fired", $"partition {partition.Name} still holds timer {timer} at wm(p) {wm}");
                }

                if (live.States.GetValueOrDefault(timer.Key)?.Windows.ContainsKey(timer.Time) != true)
                {
                    sim.Fail("timer without its window", $"partition {partition.Name} holds timer {timer}, its key's state has no such window");
                }
            }

            foreach (var (key, state) in live.States)
            {
                foreach (var end in state.Windows.Keys)
                {
                    if (!live.Timers.Contains(new TimerKey(end, key)))
                    {
                        sim.Fail("window without its timer", $"partition {partition.Name}: key {key}'s window ending {end} is open, no timer closes it");
                    }
                }
            }
        }

        for (var s = 0; s < sim.Sinks.Count; s++)
        {
            var sink = sim.Sinks[s];
            var fired = new Dictionary<(int View, int Lane, TimerKey Timer), int>();
            var countedIn = new Dictionary<(int View, int Id), int>();
            // Records a spread part counted again after a fallback (a part moved by a rescale holds other lanes' records).
            var countedAgain = new HashSet<(int View, int Id)>();
            foreach (var row in sink.Fired)
            {
                var timer = new TimerKey(row.Time, row.Key);
                var id = (row.View, PartOf(row), timer);
                fired[id] = fired.GetValueOrDefault(id) + 1;
                foreach (var recordId in row.Counted)
                {
                    countedIn[(row.View, recordId)] = countedIn.GetValueOrDefault((row.View, recordId)) + 1;
                    if (row.By.FellBehindSink)
                    {
                        countedAgain.Add((row.View, recordId));
                    }

                    if (!byId.TryGetValue(recordId, out var record)
                        || !(moved && IsSpread(row.View)) && SpreadLane(row.View, stream.LaneOf(row.View, record.Key)) != SpreadLane(row.View, row.Partition)
                        || stream.ViewKeyOf(row.View, record.Key) != row.Key
                        || sim.Options.WindowEnd(record.EventTime) != row.Time)
                    {
                        sim.Fail("timer row counted a record of another window", $"sink {s}: row of timer {timer} ({row.By.Name}) counted #{recordId}");
                    }
                }
            }

            // A timer fired again by a partition restored behind its sinks (at least once) excuses its other rows too:
            // across a rescale they are another partition's.
            var again = sink.Fired.Where(r => r.By.FellBehindSink).Select(r => (r.View, PartOf(r), new TimerKey(r.Time, r.Key))).ToHashSet();
            var lastFired = new Dictionary<SimulatedPartition, TimerKey>(ReferenceEqualityComparer.Instance);
            foreach (var row in sink.Fired)
            {
                var timer = new TimerKey(row.Time, row.Key);
                var id = (row.View, PartOf(row), timer);
                var partition = row.By;
                if (partition.FellBehindSink || again.Contains(id))
                {
                    continue;
                }

                if (fired[id] > 1)
                {
                    sim.Fail("timer fired twice", $"sink {s}: timer {timer} (partition {partition.Name}) committed {fired[id]} rows");
                }

                // In (time, key) order per partition: a timer registered after a firing is above the watermark that
                // fired it, so each partition's rows reach the sink in the order its timers fired (a rescale's new
                // partitions start an order of their own).
                if (lastFired.TryGetValue(partition, out var previous) && timer.CompareTo(previous) < 0)
                {
                    sim.Fail("timers fired out of order", $"sink {s}: partition {partition.Name} committed timer {timer} after {previous}");
                }

                lastFired[partition] = timer;
                if (moved && IsSpread(row.View))
                {
                    sim.Count("spread part's row held to its records");
                    continue;
                }

                // A record this row counted may be late all the same in a replay of a partition restored behind its
                // sinks (at least once; across a rescale, another partition): only an honest late row contradicts it.
                // One it did not count may be neither late nor counted: across a rescale, the key's partition that came
                // back empty replays it with no watermark, and the window it was late for opens again there.
                var window = byWindow.GetValueOrDefault(id) ?? [];
                var truth = window.Count(r => row.Counted.Contains(r.Id)
                    ? !(sink.LateBy.TryGetValue((row.View, r.Id), out var by) && by.Any(p => !p.FellBehindSink))
                    : !sink.Late.ContainsKey((row.View, r.Id)) && !(sim.Partitions[stream.LaneOf(row.View, r.Key)] is var now && now != partition && now.FellBehindSink));
                if (row.Count != truth)
                {
                    sim.Fail(
                        "timer row count is not its window's",
                        $"sink {s}: timer {timer} (partition {partition.Name}) fired with count {row.Count}; its window has {window.Count} records, {window.Count - truth} of them late");
                }
            }

            if (s == 0)
            {
                sim.Count("records", records.Count);
                sim.Count("timer rows committed", sink.Fired.Count);
                sim.Count("timer rows counting 2+", sink.Fired.Count(r => r.Count > 1));
                sim.Count("late rows committed", sink.Late.Count);
            }

            foreach (var (record, view) in records.SelectMany(r => Enumerable.Range(0, stream.Views).Select(v => (r, v))))
            {
                var partition = sim.Partitions[stream.LaneOf(view, record.Key)];
                var end = sim.Options.WindowEnd(record.EventTime);
                var late = sink.Late.GetValueOrDefault((view, record.Id));

                // A spread record's window may be open in any part: a rescale moves parts whole.
                var spreadMoved = moved && IsSpread(view);
                IEnumerable<SimulatedPartition> holders = spreadMoved ? sim.Partitions.Where(p => p.View == view) : [partition];
                var open = holders.Count(p => lives[p.Lane].States.GetValueOrDefault(stream.ViewKeyOf(view, record.Key))?.Windows.GetValueOrDefault(end)?.Contains(record.Id) == true);
                var times = countedIn.GetValueOrDefault((view, record.Id)) + late + open;
                var copies = IsSpread(view) ? sim.SpreadCopies.GetValueOrDefault(record.Id) : 0;
                if (times == 0 && copies < 0)
                {
                    sim.Count("spread record in no window: its part was lost");
                }
                else if (times == 0)
                {
                    sim.Fail("record in no window", $"sink {s}: {record} (partition {partition.Name}, window ending {end}) is in no timer row, not late and in no open window (wm(p) {partition.Watermark})");
                }

                if (times > 1)
                {
                    var repeated = partition.FellBehindSink || copies > 0
                        || spreadMoved && (countedAgain.Contains((view, record.Id)) || sink.LateBy.TryGetValue((view, record.Id), out var lateBy) && lateBy.Any(p => p.FellBehindSink));
                    if (!repeated)
                    {
                        sim.Fail(
                            "record in two windows",
                            $"sink {s}: {record} (partition {partition.Name}, window ending {end}) is in {countedIn.GetValueOrDefault((view, record.Id))} timer rows, late {late} times, open {open}");
                    }

                    sim.Count("window record repeated after a fallback");
                }

                // A spread record's late row is its part's partition's, which a rescale may have replaced since.
                IEnumerable<SimulatedPartition> lateIn = spreadMoved ? sink.LateBy.GetValueOrDefault((view, record.Id)) ?? [] : late > 0 ? [partition] : [];
                foreach (var by in lateIn)
                {
                    if (!by.FellBack && !by.WentBack && by.Watermark is { } wm && end > wm)
                    {
                        sim.Fail("late above the watermark", $"sink {s}: {record} went to the late output in {by.Name}, its window ends at {end}, above wm(p) {wm}");
                    }
                }
            }
        }
    }

    /// <summary><see cref="Honest"/> unless this very (immutable) image passed it already: most steps change neither the local store nor the snapshots.</summary>
    private static void HonestOnce(Simulation sim, SimulatedPartition partition, StoreImage image, string what, int slot)
    {
        var seen = partition.HonestImages;
        if (ReferenceEquals(image, seen[0]) || ReferenceEquals(image, seen[1]))
        {
            return;
        }

        Honest(sim, partition, image, what);
        seen[slot] = image;
    }

    private static void Honest(Simulation sim, SimulatedPartition partition, StoreImage image, string what)
    {
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
            var floors = image.Floors.GetValueOrDefault(shardId);
            var owed = floors is null
                ? shard.OwedUpTo(partition.Lane, coverage.Covered)
                : HeldWithFloors(sim, partition, shard, coverage.Covered, floors, upTo: null);

            // A spread part moved by a rescale: its own range's records in another's part (other ranges' records in its
            // part are not in its tallies: no ledger of its answers for them).
            if (image.Away.Count > 0)
            {
                owed -= image.Away.Count(id => sim.Stream.AllRecords[id].ShardId == shardId);
            }
            if (tally.Applied != owed)
            {
                sim.Fail(
                    tally.Applied < owed ? "coverage claims records the state lacks" : "state holds records beyond its coverage",
                    $"partition {partition.Name} {what}: {shardId} covered {coverage.Covered?.ToString() ?? "nothing"} (mark {coverage.Mark?.ToString() ?? "none"}{(floors is null ? "" : $", floors {string.Join(" ", floors)}")}) owes {owed} records, holds {tally.Applied}");
            }

            var claimed = floors is null ? coverage.Covered : floors.Aggregate(coverage.Covered, (c, f) => Max(c, f.Floor));
            if (tally.MaxApplied is { } max && (claimed is not { } c || max > c))
            {
                sim.Fail("state holds records beyond its coverage", $"partition {partition.Name} {what}: {shardId} applied up to {max}, covered {coverage.Covered}");
            }
        }
    }

    /// <summary>
    /// How many records of the partition's lane in the shard a copy with floors holds (at or below
    /// <paramref name="upTo"/>; null: all): each one up to the coverage, and one of a key range a rescale merged in up
    /// to that range's floor when it is later. Read from the floors as written, not through the ledger under test.
    /// </summary>
    private static int HeldWithFloors(Simulation sim, SimulatedPartition partition, SimShard shard, Position? covered, InheritedFloor[] floors, Position? upTo)
    {
        var stream = sim.Stream;
        var held = 0;
        foreach (var record in shard.Records)
        {
            if (upTo is { } u && record.Position > u)
            {
                break;
            }

            if (record.Poison || stream.LaneOf(partition.View, record.Key) != partition.Lane)
            {
                continue;
            }

            if (Max(covered, FloorOf(floors, stream.HashOf(partition.View, record.Key))) is { } limit && record.Position <= limit)
            {
                held++;
            }
        }

        return held;
    }

    /// <summary>The image's ledger holds <paramref name="record"/> (routed by <paramref name="hash"/>): its coverage, or its key range's floor.</summary>
    public static bool Claims(StoreImage image, ulong hash, SimRecord record)
    {
        var covered = image.Coverage.GetValueOrDefault(record.ShardId).Covered;
        var floor = image.Floors.TryGetValue(record.ShardId, out var floors) ? FloorOf(floors, hash) : null;
        return Max(covered, floor) is { } limit && record.Position <= limit;
    }

    private static Position? FloorOf(InheritedFloor[] floors, ulong hash)
    {
        foreach (var floor in floors)
        {
            if (floor.Contains(hash))
            {
                return floor.Floor;
            }
        }

        return null;
    }

    private static Position? Min(Position? left, Position? right) =>
        left is not { } l || right is not { } r ? null : l <= r ? l : r;

    private static Position? Max(Position? left, Position? right) => ShardCoverage.Max(left, right);
}
