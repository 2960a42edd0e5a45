using System.Collections.Immutable;
using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.Partitions;
using KinesisGrains.KeyedState.ExactlyOnce;
using KinesisGrains.Simulation.Model;

using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Simulation;

/// <summary>
/// One seeded run of the exactly-once protocol: Kinesis shards, receivers with their Orleans queue caches, keyed
/// partitions with a local store and a snapshot store, and the checkpointer, all driven by one
/// <see cref="Random"/> in one thread. The clock is the step counter; nothing waits, nothing is real I/O, so a
/// seed replays the same schedule every time. <see cref="Invariants"/> runs after every step.
/// </summary>
internal sealed class Simulation
{
    private readonly Random _random;

    // Savepoints draw from their own generator: every seed's schedule up to its first restore is what it was before.
    private readonly Random _savepointDraws;
    private SimSavepoint? _savepoint;

    // Rescales too: every seed's schedule up to its first rescale is what it was before.
    private readonly Random _rescaleDraws;
    private readonly Random _handOverDraws;

    // The lease sync too (when a reshard's children are listed, before or after their parent's ending round).
    private readonly Random _syncDraws;

    // And, after half the reshards, a sync that lags: none until the parents' ending round has come (at most 150 steps)
    // and 20 to 59 steps more, so the other shards move on before the children are listed.
    private readonly Random _syncLagDraws;

    // Sink commits that land but fail for the partition: a generator of their own, so the protocol's draws stay as they were.
    private readonly Random _sinkFaultDraws;
    private List<string> _syncHeldFor = [];
    private int _syncHeldLag;
    private int _syncHeldAtMost;
    private int _syncHeldUntil;
    private int _rescales;
    private int _rescaled;
    private int _serials;
    private readonly int _writeEvery;
    private long _tokens;
    private long _receiverIds;
    private long _readIdBase;
    private bool _faults = true;

    public Simulation(int seed, SimulationOptions options)
    {
        Seed = seed;
        Options = options;
        _random = new Random(seed);
        _savepointDraws = new Random(unchecked(seed * 104729 + 3));
        _rescaleDraws = new Random(unchecked(seed * 15485863 + 11));
        _handOverDraws = new Random(unchecked(seed * 179424673 + 13));
        _syncDraws = new Random(unchecked(seed * 32452843 + 23));
        _syncLagDraws = new Random(unchecked(seed * 86028121 + 31));
        _sinkFaultDraws = new Random(unchecked(seed * 67867967 + 37));

        // Event times and the timers' chunk size draw from their own generator: a seed's protocol schedule (and what
        // the other switches find) is the same as before timers were modelled.
        var eventTimes = new Random(unchecked(seed * 7919 + 17));
        FireChunk = eventTimes.Next(1, 4);

        // And their skews at reshards (half the seeds: the other shards run ahead of a reshard's children), from a
        // generator of their own: the other half's event times are what they were before.
        var skews = new Random(unchecked(seed * 49979687 + 29));

        // A third of the seeds read the records in one view, a third add a view by a coarser key, a third one global key spread.
        var views = _random.Next(3);
        Stream = new KinesisStream(_random, eventTimes, shards: _random.Next(1, 5), keys: 20, partitions: _random.Next(2, 6), views: views == 0 ? 1 : 2, spread: views == 2, skews: skews);
        UsesSnapshots = _random.Next(3) != 0;
        Resharding = options.Resharding;
        FallbackFaults = options.SnapshotFallbackFaults && UsesSnapshots;

        Checkpointer = new SimulatedCheckpointer(this);
        _writeEvery = _random.Next(1, 5);
        Partitions = Enumerable.Range(0, Stream.Lanes)
            .Select(lane => new SimulatedPartition(this, lane, _writeEvery, UsesSnapshots ? new SnapshotStore(fenced: !options.Unfenced) : null))
            .ToList();
        foreach (var shard in Stream.Shards)
        {
            Leases[shard.Id] = new Lease();
        }

        Checkpointer.NoteLeases();
    }

    public int Seed { get; }
    public SimulationOptions Options { get; }
    public int Step { get; private set; }
    public KinesisStream Stream { get; }
    public bool UsesSnapshots { get; }
    public bool Resharding { get; }
    public bool FallbackFaults { get; }

    /// <summary>How many due timers a partition fires per turn (a bounded chunk, written before the next one).</summary>
    public int FireChunk { get; }

    /// <summary>The partition grains of every view, by lane (view × P + partition); a rescale replaces them all.</summary>
    public List<SimulatedPartition> Partitions { get; }
    public SimulatedCheckpointer Checkpointer { get; }

    /// <summary>
    /// Two transactional sinks every partition's emitted rows go to, each committing when it is due (a commit
    /// interval): one may be epochs behind the other, so staged rows outlive the first one's commit.
    /// </summary>
    public IReadOnlyList<SimulatedSink> Sinks { get; } = [new(), new()];
    public Dictionary<string, Lease> Leases { get; } = new(StringComparer.Ordinal);

    /// <summary>Every receiver whose cache may still deliver: the lease holders and those that lost their lease.</summary>
    public List<SimulatedReceiver> Receivers { get; } = [];

    /// <summary>Dead letters per record id (at least once; more than once is counted, not failed).</summary>
    public Dictionary<int, int> DeadLetters { get; } = [];

    /// <summary>A short trace of the last steps, printed with a failure.</summary>
    public Queue<string> Trace { get; } = new();

    /// <summary>How often the interesting paths ran (printed per test, to see that the faults bite).</summary>
    public Dictionary<string, int> Stats { get; } = new(StringComparer.Ordinal);

    // SIM_TRACE=1 prints every step's note (the failure message keeps only the last few).
    private static readonly bool s_printTrace = Environment.GetEnvironmentVariable("SIM_TRACE") == "1";

    /// <summary>The protocol's random source, for the components' own choices (which silo's round a cycle is).</summary>
    public Random Random => _random;

    public void Count(string what, int times = 1) => Stats[what] = Stats.GetValueOrDefault(what) + times;

    public int TraceLength { get; init; } = 12;

    public long NextToken() => ++_tokens;

    public int NextSerial() => ++_serials;

    /// <summary>A rescale moved the spread view's parts (its rows are then a part's, not a lane's).</summary>
    public bool SpreadRescaled { get; private set; }

    /// <summary>
    /// Ghost, per record id of a spread view: how many more (or fewer) parts hold it than one, knowingly. A rescaled
    /// partition that lost every snapshot since the rescale comes back empty: the other ranges' events its part held
    /// are gone (their partitions skip them as inherited), and those of its own range held in other parts are replayed
    /// into its own (its empty ledger has no floor to skip them by).
    /// </summary>
    public Dictionary<int, int> SpreadCopies { get; } = [];

    /// <summary>A rescaled spread partition came back empty: its lineage's <paramref name="foreign"/> records are lost, its <paramref name="away"/> ones will be held twice.</summary>
    public void SpreadPartLost(SimulatedPartition partition, ImmutableHashSet<int> foreign, ImmutableHashSet<int> away)
    {
        foreach (var id in foreign)
        {
            SpreadCopies[id] = SpreadCopies.GetValueOrDefault(id) - 1;
        }

        foreach (var id in away)
        {
            SpreadCopies[id] = SpreadCopies.GetValueOrDefault(id) + 1;
        }

        Count("spread part lost with its only snapshot");
        Count("spread records lost with a part", foreign.Count);
        Count("spread records doubled after a lost part", away.Count);
        Note($"{partition.Name} lost its rescaled spread part ({foreign.Count} records of other ranges; {away.Count} of its own replayed)");
    }

    /// <summary>
    /// Whether the sink commit just made landed but fails for the partition (one in <see cref="LandedFailureOdds"/>, while
    /// faults run: the drain's last hand-over succeeds).
    /// </summary>
    public bool CommitLandsButFails() => Options.LandedCommitFailures && _faults && _sinkFaultDraws.Next(LandedFailureOdds) == 0;

    private const int LandedFailureOdds = 4;

    public void DeadLetter(SimRecord record) => DeadLetters[record.Id] = DeadLetters.GetValueOrDefault(record.Id) + 1;

    public void Fail(string invariant, string detail) =>
        throw new SimulationFailure(Seed, Step, invariant, detail + (Trace.Count > 0 ? " | last steps: " + string.Join("; ", Trace) : ""));

    /// <summary>Runs the random steps, then the drain and the final check; throws <see cref="SimulationFailure"/>.</summary>
    public void Run()
    {
        for (Step = 1; Step <= Options.Steps; Step++)
        {
            RandomStep();
            Invariants.Check(this);
        }

        Drain();
        Invariants.CheckFinal(this);
    }

    public void WriteCheckpoint(string shardId, ShardCheckpoint checkpoint)
    {
        var lease = Leases[shardId];
        if (lease.Checkpoint is { } written && !checkpoint.IsAfter(written))
        {
            Fail("checkpoint moved backwards", $"{shardId}: {Describe(written)} -> {Describe(checkpoint)}");
        }

        Note($"ckpt {shardId}={Describe(checkpoint)}");
        if (checkpoint.Ended)
        {
            lease.End = checkpoint.Position ?? lease.Checkpoint?.Position;
        }

        lease.Checkpoint = checkpoint;
    }

    public static string Describe(ShardCheckpoint? c) => c is not { } k ? "none" : k.Ended ? "SHARD_END" : k.Position?.ToString() ?? "origin";

    public void Retire(SimulatedReceiver receiver) => receiver.Alive = false;

    public void Note(string what)
    {
        if (s_printTrace)
        {
            Console.WriteLine($"{Step}:{what}");
        }

        Trace.Enqueue($"{Step}:{what}");
        if (Trace.Count > TraceLength)
        {
            Trace.Dequeue();
        }
    }

    private void RandomStep()
    {
        StartReceivers(always: false);
        var roll = _random.Next(1000);
        switch (roll)
        {
            case < 200: Append(); break;
            case < 280: WithReceiver(r => r.Fetch(_random.Next(1, 8))); break;
            case < 400: WithReceiver(r => r.Read(_random.Next(1, 6))); break;
            case < 610: DeliverOne(); break;
            case < 640: Redeliver(); break;
            case < 795: PurgeOne(giveUp: false); break;
            case < 800: PurgeOne(giveUp: true); break;
            case < 840: Checkpointer.Cycle(); Note("cycle"); break;
            case < 855: WithReceiver(r => r.RestartFetch()); Note("fetch restart"); break;
            case < 865: KillReceiver(); break;
            case < 875: StealLease(); break;
            case < 885: Reshard(); break;
            case < 925: KillPartition(); break;
            case < 945: SnapshotFault(); break;
            case < 965: ZombieWrite(); break;
            case < 985: ShipRows(); break;
            default: Partitions[_random.Next(Partitions.Count)].Write(); break;
        }

        ReportEnds();
        SavepointStep();
        RescaleStep();
        HandOverStep();
        Receivers.RemoveAll(r => !r.Alive && r.Cache.Count == 0);
    }

    /// <summary>
    /// About 1.5 times a run (at most twice) the application stops and is rescaled to another P (1 to 6), as the offline
    /// tool does it. Three stops in four are graceful (the sinks commit every staged row first); one is a crash, and
    /// then the tool refuses while a partition's durable state holds rows staged for its sinks. A spread view's
    /// grain merges parts (the model's sum, count and windows merge exactly), so it is rescaled down as well as up.
    /// </summary>
    private void RescaleStep()
    {
        if (!Options.Rescale || !_faults || _rescales >= 2 || _rescaleDraws.Next(160) != 0)
        {
            return;
        }

        _rescales++;
        var partitions = _rescaleDraws.Next(1, 6);
        if (partitions >= Stream.Partitions)
        {
            partitions++;
        }

        var graceful = _rescaleDraws.Next(4) != 0;

        // A rescaled spread part lost with its only snapshot left records in no part and others in two (a known limit,
        // docs/exactly-once.md). The ghost follows that to the end of the run, not into parts another rescale moves.
        if (SpreadCopies.Count > 0)
        {
            Count("rescale left out after a lost spread part");
            return;
        }

        Stop(graceful);

        // The stop's own restarts may be the ones that come back empty.
        if (SpreadCopies.Count > 0)
        {
            Count("rescale left out after a lost spread part");
            Note("rescale left out: a spread part was lost");
            return;
        }

        // Each partition was just restored from what a restart comes back to: the tool's input. Only a sink knows
        // whether it has a staged row, and a new partition would hand it over under another partition's name.
        if (Partitions.FirstOrDefault(p => p.Written.Outbox.Count > 0) is { } staged)
        {
            Count("rescale refused: rows staged");
            Note($"rescale refused: {staged.Name} holds rows staged for its sinks");
            return;
        }

        Rescale(partitions);
    }

    /// <summary>
    /// Now and then (a draw of its own, so the protocol's draws stay as they were) a partition is moved gracefully: Orleans
    /// deactivates it (a rebalance, a silo leaving) and the next call activates it again, restored from the hand-over's
    /// snapshot.
    /// </summary>
    private void HandOverStep()
    {
        if (!Options.HandOvers || !_faults || _handOverDraws.Next(40) != 0)
        {
            return;
        }

        var partition = Partitions[_handOverDraws.Next(Partitions.Count)];
        partition.HandOver();
        Note($"{partition.Name} handed over");
    }

    /// <summary>
    /// Everything stops: every reader (its cache dropped; each lease's counter fences it), and every partition, restored
    /// from its durable state as a restart would. A graceful stop first runs a last round per partition (every open shard
    /// named, nothing claimed) and has every sink commit, until the snapshot after the delete holds no staged row.
    /// </summary>
    private void Stop(bool graceful)
    {
        foreach (var receiver in Receivers)
        {
            receiver.Alive = false;
            receiver.Cache.Clear();
            Checkpointer.Forget(receiver);
        }

        foreach (var lease in Leases.Values)
        {
            lease.Counter++;
        }

        // The last rounds are the checkpointer's (the silos' final checkpoint): each claims the ended shards' ends too,
        // so a partition that lost one (it fell back behind its end) holds its watermark for it and gets it replayed.
        var ended = Options.StopWithoutEndedClaims ? [] : Checkpointer.EndedClaims();
        var named = Leases
            .Where(l => l.Value.Checkpoint is not { Ended: true })
            .Select(l => new ShardBarrier(l.Key, null, false, null, OpenElsewhere: true))
            .Concat(ended.Select(e => new ShardBarrier(e.ShardId, e.End, Ended: true, e.End)))
            .ToList();
        var gaps = new Dictionary<string, List<ShardGap>>(StringComparer.Ordinal);
        foreach (var partition in Partitions)
        {
            for (var round = 0; graceful; round++)
            {
                partition.FireAllDue();
                foreach (var gap in partition.Barrier(named))
                {
                    (gaps.TryGetValue(gap.ShardId, out var list) ? list : gaps[gap.ShardId] = []).Add(gap);
                }

                var durable = partition.Snapshots is { } snapshots ? snapshots.RestoreTarget(out _) : partition.Written;
                if (durable?.Outbox.Count is null or 0)
                {
                    break;
                }

                partition.Ship(_ => true, crashBeforeDelete: false);
                if (round == 100)
                {
                    Fail("graceful stop did not converge", $"{partition.Name} still stages {durable.Outbox.Count} rows");
                }
            }

            // The tool fences every writer: no zombie of an old partition writes again.
            partition.Zombies.Clear();
            partition.Kill(leaveZombie: false);
        }

        Checkpointer.RequestReplays(ended, gaps);

        Note(graceful ? "stop" : "crash stop");
    }

    /// <summary>
    /// The offline rescale to <paramref name="partitions"/> (PartitionRescaler): per view, each new partition takes the
    /// keys (states and timers) of its hash range from the old partitions whose ranges overlap it, and its ledger is
    /// <see cref="PartitionLedger.Merge"/> of those overlaps with the old ledgers; checkpoints stay. A spread view's
    /// keys are not where their hash says: each old partition's whole store (its part) goes to the new partition of its
    /// first hash, where parts that meet are merged, while the ledgers merge by hash range as any view's. A savepoint of
    /// the old P cannot be restored any more (the real restore refuses another partition count).
    /// </summary>
    private void Rescale(int partitions)
    {
        var old = Partitions.ToList();
        var oldCount = Stream.Partitions;
        Stream.Rescale(partitions);
        var merged = new List<RescaledPartition>();
        var map = new PartitionMap(partitions);

        // Where each old partition's whole store goes when its state is spread: the new partition of its first hash.
        var partTargets = Enumerable.Range(0, oldCount).Select(o => map.GetPartition((UInt128)FirstHash(o, oldCount) << 64)).ToArray();
        for (var view = 0; view < Stream.Views; view++)
        {
            var olds = old.GetRange(view * oldCount, oldCount);
            var spread = IsSpread(view, olds, oldCount);
            if (view == 1 && Stream.Spread)
            {
                // The tool tells a spread state by its keys: one part only (P = 1, or one partition's range had
                // events) is where its key's hash says, and moves by it like any key.
                Count(!spread ? "rescale spread view with one part" : partitions > oldCount ? "rescale spread up" : "rescale spread down");
            }

            for (var index = 0; index < partitions; index++)
            {
                if (map.GetPartition((UInt128)FirstHash(index, partitions) << 64) != index || map.GetPartition((UInt128)LastHash(index, partitions) << 64) != index)
                {
                    Fail("hash range is not PartitionMap's", $"partition {index} of {partitions}");
                }

                var parts = new List<(ulong First, ulong Last, SimulatedPartition Old)>();
                for (var o = 0; o < oldCount; o++)
                {
                    var first = Math.Max(FirstHash(index, partitions), FirstHash(o, oldCount));
                    var last = Math.Min(LastHash(index, partitions), LastHash(o, oldCount));
                    if (first <= last)
                    {
                        parts.Add((first, last, old[(view * oldCount) + o]));
                    }
                }

                // The parts a spread state's new partition is given whole (the switch: all to the key's own partition).
                List<SimulatedPartition>? moved = null;
                if (spread)
                {
                    moved = Options.RescaleSpreadPartsByKeyHash
                        ? map.GetPartition((UInt128)Stream.OwnHashOf(view, 0) << 64) == index ? olds : []
                        : [.. olds.Where(o => partTargets[o.Index] == index)];
                }

                var partition = Merge(view, oldCount, parts, moved, olds.Max(o => o.Written.Epoch));
                Count("rescaled partition");
                if (!partition.Image.Floors.IsEmpty)
                {
                    Count("rescaled partition with floors");
                }

                merged.Add(partition);
            }
        }

        if (Stream.Spread)
        {
            SpreadGhosts(merged, partitions);
            SpreadRescaled = true;
            Count(_rescaled == 0 ? "seed with a spread view rescaled" : "spread view rescaled again");
        }

        Partitions.Clear();
        Partitions.AddRange(merged.Select((partition, lane) =>
            new SimulatedPartition(this, lane, _writeEvery, UsesSnapshots ? new SnapshotStore(fenced: !Options.Unfenced) : null, partition)));
        if (_savepoint is not null)
        {
            _savepoint = null;
            Count("savepoint of another P let go");
        }

        Count(++_rescaled == 1 ? "seed rescaled" : "seed rescaled twice");
        Count("rescale");
        Note($"rescale {oldCount} -> {partitions}");
    }

    /// <summary>
    /// One new partition of <paramref name="view"/> made of <paramref name="parts"/> (each an overlap of hash ranges and
    /// the old partition that held it, as just restored): the keys and timers of each overlap, the merged ledger, the
    /// latest epoch, and per shard the earliest wm(s) (ended only where every part vouched its end). wm(p) is the latest
    /// of the parts': a part's fired windows must stay closed to its late events.
    /// </summary>
    /// <param name="moved">A spread state: the old partitions whose whole stores (states, timers) come here instead;
    /// several parts of a key are merged as the partition grain merges them when it opens (MergeParts).</param>
    /// <param name="latestEpoch">The latest epoch of all the view's old partitions: the new ones number theirs above it,
    /// as the tool does (a sink keeps the epochs it committed by partition number).</param>
    private RescaledPartition Merge(int view, int oldCount, List<(ulong First, ulong Last, SimulatedPartition Old)> parts, List<SimulatedPartition>? moved, long latestEpoch)
    {
        var images = parts.Select(p => p.Old.Written).ToList();
        Count("merged part still holding floors", images.Count(i => !i.Floors.IsEmpty));
        var ledgers = images.Select(i => new PartitionLedger(i.Coverage, i.Epoch, i.Floors)).ToList();
        var ledger = Options.RescaleWithOneMark
            ? MergeWithOneMark(ledgers)
            : PartitionLedger.Merge([.. parts.Select((p, i) => (p.First, p.Last, ledgers[i]))]);
        ledger.SkipEpochsTo(latestEpoch);

        var states = ImmutableDictionary.CreateBuilder<int, KeyState>();
        var timers = ImmutableSortedSet.CreateBuilder<TimerKey>();
        foreach (var from in moved ?? [])
        {
            foreach (var (key, state) in from.Written.States)
            {
                // The switch that routes parts by key hash puts one over another (the tool's store keys are the key's).
                states[key] = states.TryGetValue(key, out var met) && !Options.RescaleSpreadPartsByKeyHash ? MergeParts(key, met, state) : state;
            }

            // A timer is (time, key): parts' timers of one window are one.
            timers.UnionWith(from.Written.Timers);
        }

        if (moved is { Count: > 1 })
        {
            Count("rescale spread merged parts", moved.Count);
        }

        for (var i = 0; moved is null && i < parts.Count; i++)
        {
            var (first, last, from) = parts[i];
            foreach (var (key, state) in images[i].States)
            {
                var hash = Stream.OwnHashOf(view, key);
                if (hash < FirstHash(from.Index, oldCount) || hash > LastHash(from.Index, oldCount))
                {
                    Fail("key outside its partition's range", $"{from.Name} holds key {key} (hash {hash:x16})");
                }

                if (hash >= first && hash <= last)
                {
                    states[key] = state;
                }
            }

            timers.UnionWith(images[i].Timers.Where(t => Stream.OwnHashOf(view, t.Key) is var h && h >= first && h <= last));
        }

        // The ghost tallies of the keys taken: per shard, the records their states hold.
        var tallies = TalliesOf(states.Values.SelectMany(s => s.Applied));

        var watermarks = images.Select(i => i.Watermark).ToList();
        var watermark = Options.RescaleEarliestWatermark ? (watermarks.Any(w => w is null) ? null : watermarks.Min()) : watermarks.Max();
        var shardWatermarks = ImmutableDictionary.CreateBuilder<string, ShardWatermark>(StringComparer.Ordinal);
        foreach (var shardId in images.SelectMany(i => i.ShardWatermarks.Keys).Distinct(StringComparer.Ordinal))
        {
            var known = images.Select(i => i.ShardWatermarks.TryGetValue(shardId, out var w) ? w : (ShardWatermark?)null).ToList();
            shardWatermarks[shardId] = new ShardWatermark(
                known.Any(w => w?.Watermark is null) ? null : known.Min(w => w!.Value.Watermark),
                Idle: false,
                Ended: known.All(w => w is { Ended: true }));
        }

        // Keys of a part that was behind the merged wm(p) may find their windows closed by it. A spread view's one key
        // gets the events of every part's range.
        var excused = ImmutableDictionary.CreateBuilder<int, long>();
        if (view == 1 && Stream.Spread)
        {
            var before = parts.Select(p => p.Old.LateExcused.TryGetValue(0, out var e) ? e : (long?)null).Aggregate((long?)null, Max);
            var upTo = images.Any(i => i.Watermark is null || i.Watermark < watermark) ? watermark : null;
            if (Max(before, upTo) is { } excuse)
            {
                excused[0] = excuse;
            }
        }

        for (var key = 0; !(view == 1 && Stream.Spread) && key < Stream.KeysOf(view); key++)
        {
            var hash = Stream.HashOf(view, key);
            if (parts.FindIndex(p => hash >= p.First && hash <= p.Last) is var i and >= 0)
            {
                var before = parts[i].Old.LateExcused.TryGetValue(key, out var e) ? e : (long?)null;
                var upTo = images[i].Watermark < watermark || images[i].Watermark is null ? watermark : null;
                if (Max(before, upTo) is { } excuse)
                {
                    excused[key] = excuse;
                }
            }
        }

        var image = new StoreImage(states.ToImmutable(), ledger.Shards.ToImmutableDictionary(StringComparer.Ordinal), tallies, ledger.Epoch, [])
        {
            Timers = timers.ToImmutable(),
            Watermark = watermark,
            ShardWatermarks = shardWatermarks.ToImmutable(),
            Floors = ledger.Floors.ToImmutableDictionary(StringComparer.Ordinal),
        };

        var olds = parts.Select(p => p.Old).ToList();
        return new RescaledPartition(
            image,
            olds.Any(p => p.FellBack),
            olds.Any(p => p.FellBehindSink),
            olds.Any(p => p.WentBack),
            olds.SelectMany(p => p.EverIdle).ToHashSet(StringComparer.Ordinal),
            excused.ToImmutable());
    }

    /// <summary>
    /// The tool's test for a spread state: some old partition holds a key its own hash puts elsewhere (a part). Only the
    /// spread view can: any other view's key out of place fails the merge's check.
    /// </summary>
    private bool IsSpread(int view, List<SimulatedPartition> olds, int oldCount) =>
        view == 1 && Stream.Spread && (Options.RescaleSpreadPartsByKeyHash || olds.Any(o => o.Written.States.Keys.Any(key =>
            Stream.OwnHashOf(view, key) is var hash && (hash < FirstHash(o.Index, oldCount) || hash > LastHash(o.Index, oldCount)))));

    /// <summary>Two parts of a key, each made of other events: sums and counts add up, windows of one end join.</summary>
    private KeyState MergeParts(int key, KeyState left, KeyState right)
    {
        if (left.Applied.Overlaps(right.Applied))
        {
            Fail("parts of a key share a record", $"key {key}: {string.Join(", ", left.Applied.Intersect(right.Applied).Take(5))} in two parts");
        }

        var windows = left.Windows;
        foreach (var (end, ids) in right.Windows)
        {
            windows = windows.SetItem(end, windows.TryGetValue(end, out var met) ? met.Union(ids) : ids);
        }

        return new KeyState(left.Sum + right.Sum, left.Count + right.Count, left.Applied.Union(right.Applied)) { Windows = windows };
    }

    /// <summary>
    /// The spread view's new partitions' ghosts (<see cref="StoreImage.Foreign"/>, <see cref="StoreImage.Away"/>), and
    /// the check that makes them more than bookkeeping: every record a new partition's ledger holds (its coverage, or
    /// the floor of its key's range) is in exactly one part of the view, and none other is in any (but those a lost
    /// part knowingly took or doubled).
    /// </summary>
    private void SpreadGhosts(List<RescaledPartition> merged, int partitions)
    {
        const int view = 1;
        var held = new Dictionary<int, int>();
        foreach (var partition in merged.Skip(view * partitions))
        {
            foreach (var id in partition.Image.States.Values.SelectMany(s => s.Applied))
            {
                held[id] = held.GetValueOrDefault(id) + 1;
            }
        }

        var away = merged.Select(_ => ImmutableHashSet.CreateBuilder<int>()).ToList();
        foreach (var record in Stream.AllRecords.Where(r => !r.Poison))
        {
            var lane = Stream.LaneOf(view, record.Key);
            var claimed = Invariants.Claims(merged[lane].Image, Stream.HashOf(view, record.Key), record);
            var holders = held.GetValueOrDefault(record.Id);
            if (SpreadCopies.GetValueOrDefault(record.Id) == 0 && holders != (claimed ? 1 : 0))
            {
                Fail(
                    "a spread rescale lost or doubled a part",
                    $"{record} (new partition v1p{lane - (view * partitions)}) is in {holders} parts, its partition's ledger {(claimed ? "holds" : "does not hold")} it");
            }

            if (claimed && !merged[lane].Image.States.Values.Any(s => s.Applied.Contains(record.Id)))
            {
                away[lane].Add(record.Id);
            }
        }

        for (var lane = view * partitions; lane < merged.Count; lane++)
        {
            var ids = merged[lane].Image.States.Values.SelectMany(s => s.Applied).ToList();
            var foreign = ids.Where(id => Stream.LaneOf(view, Stream.AllRecords[id].Key) != lane).ToImmutableHashSet();

            // The tallies are of its own range's records (what its ledger answers for); the others are the ghost's.
            merged[lane] = merged[lane] with
            {
                Image = merged[lane].Image with { Tallies = TalliesOf(ids.Where(id => !foreign.Contains(id))), Foreign = foreign, Away = away[lane].ToImmutable() },
            };
        }
    }

    /// <summary>Ghost tallies of the records <paramref name="ids"/>: per shard, how many and the last.</summary>
    private ImmutableDictionary<string, ShardTally> TalliesOf(IEnumerable<int> ids)
    {
        var tallies = ImmutableDictionary.CreateBuilder<string, ShardTally>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var record = Stream.AllRecords[id];
            var tally = tallies.GetValueOrDefault(record.ShardId);
            tallies[record.ShardId] = new ShardTally(tally.Applied + 1, ShardCoverage.Max(tally.MaxApplied, record.Position));
        }

        return tallies.ToImmutable();
    }

    /// <summary>RescaleWithOneMark: per shard the latest of the parts' marks and their common coverage, no floors.</summary>
    private static PartitionLedger MergeWithOneMark(List<PartitionLedger> ledgers)
    {
        var shards = ledgers.SelectMany(l => l.Shards.Keys).Distinct(StringComparer.Ordinal).Select(shardId =>
        {
            var coverages = ledgers.Select(l => l.CoverageOf(shardId)).ToList();
            var mark = coverages.Aggregate((Position?)null, (m, c) => ShardCoverage.Max(m, c.Mark));
            Position? covered = coverages.Any(c => c.Covered is null) ? null : coverages.Select(c => c.Covered!.Value).Min();
            return KeyValuePair.Create(shardId, new ShardCoverage(mark, covered));
        });
        return new PartitionLedger(shards, ledgers.Max(l => l.Epoch));
    }

    /// <summary>The first key hash (top 64 bits) partition <paramref name="partition"/> of <paramref name="count"/> owns: ceil(p × 2^64 / P).</summary>
    private static ulong FirstHash(int partition, int count) =>
        (ulong)((((UInt128)(ulong)partition << 64) + (ulong)(count - 1)) / (ulong)count);

    private static ulong LastHash(int partition, int count) => partition == count - 1 ? ulong.MaxValue : FirstHash(partition + 1, count) - 1;

    private static long? Max(long? left, long? right) => left is not { } l ? right : right is not { } r ? l : Math.Max(l, r);

    private void SavepointStep()
    {
        if (!UsesSnapshots || !Options.Savepoints || !_faults)
        {
            return;
        }

        // About one take and one restore per 100 steps (a run has 240).
        var roll = _savepointDraws.Next(100);
        if (roll < 1)
        {
            TakeSavepoint();
        }
        else if (roll < 2 && _savepoint is not null)
        {
            // A partition that fell back since the savepoint numbered epochs again below the savepoint's: its sinks'
            // committed epochs then belong to another lineage than the savepoint's staged rows (a known limit,
            // docs/exactly-once.md): left out here; with it in, 3 of 10,000 seeds commit a sink row twice.
            if (_savepoint.FallbackRestores.Where((count, lane) => Partitions[lane].FallbackRestores != count).Any())
            {
                Count("savepoint restore left out after a fallback");
                return;
            }

            RestoreSavepoint(_savepoint);
        }
    }

    /// <summary>
    /// <c>kgrains savepoint create</c>: every partition's newest committed snapshot, and per shard where a restore reads
    /// it again: the earliest position every partition covers; the lease's checkpoint when one covers nothing of it;
    /// an ended shard as it is.
    /// </summary>
    private void TakeSavepoint()
    {
        var images = new List<StoreImage>();
        var fellBack = new List<bool>();
        foreach (var partition in Partitions)
        {
            if (partition.Snapshots!.RestoreTarget(out var knownFallback) is not { } image)
            {
                return; // before a partition's first snapshot: refused
            }

            images.Add(image);

            // An image of a fallen-back lineage covers less than the checkpoints claim: after the restore, the
            // barriers find its gaps and replay them (rule 4), as they would have without the savepoint.
            fellBack.Add(knownFallback || partition.FellBack);
        }

        var shards = new Dictionary<string, (ShardCheckpoint? Checkpoint, KinesisGrains.Abstractions.Streams.ShardPosition? End)>(StringComparer.Ordinal);
        foreach (var (shardId, lease) in Leases)
        {
            if (lease.Checkpoint is { Ended: true } ended)
            {
                shards[shardId] = (ended, lease.End);
                continue;
            }

            KinesisGrains.Abstractions.Streams.ShardPosition? earliest = null;
            var everyPartition = true;
            foreach (var image in images)
            {
                if (image.Coverage.GetValueOrDefault(shardId).Covered is not { } covered)
                {
                    everyPartition = false;
                    break;
                }

                earliest = earliest is { } e && e <= covered ? e : covered;
            }

            shards[shardId] = (everyPartition && earliest is { } start ? new ShardCheckpoint(start, false) : lease.Checkpoint, null);
        }

        _savepoint = new SimSavepoint(images, fellBack, [.. Partitions.Select(p => p.FallbackRestores)], shards);
        Count("savepoint taken");
        Note("savepoint");
    }

    /// <summary>
    /// <c>kgrains savepoint restore</c> while nothing runs: every reader stops, each shard's checkpoint becomes the
    /// savepoint's (a shard born after it: its beginning), and each partition restores its pinned snapshot.
    /// </summary>
    private void RestoreSavepoint(SimSavepoint savepoint)
    {
        foreach (var receiver in Receivers)
        {
            receiver.Alive = false;
            receiver.Cache.Clear();
            Checkpointer.Forget(receiver);
        }

        foreach (var (shardId, lease) in Leases)
        {
            lease.Counter++;
            if (Options.SavepointKeepsCheckpoints)
            {
                continue;
            }

            lease.ReplayRequested = false;
            lease.ReplayFrom = null;
            (lease.Checkpoint, lease.End) = savepoint.Shards.TryGetValue(shardId, out var saved) ? saved : (null, null);
        }

        for (var lane = 0; lane < Partitions.Count; lane++)
        {
            Partitions[lane].RestoreSavepoint(savepoint.Images[lane], savepoint.FellBack[lane]);
        }

        Count("savepoint restored");
        Note("restore savepoint");
    }

    private sealed record SimSavepoint(
        IReadOnlyList<StoreImage> Images,
        IReadOnlyList<bool> FellBack,
        IReadOnlyList<int> FallbackRestores,
        IReadOnlyDictionary<string, (ShardCheckpoint? Checkpoint, KinesisGrains.Abstractions.Streams.ShardPosition? End)> Shards);

    private void Append()
    {
        var open = Stream.Open.ToList();
        Stream.Append(open[_random.Next(open.Count)]);
    }

    private void Reshard()
    {
        var open = Stream.Open.ToList();
        if (!Resharding || Stream.Shards.Count > 12)
        {
            return;
        }

        if (open.Count >= 2 && _random.Next(2) == 0)
        {
            var left = open[_random.Next(open.Count)];
            var right = open.Where(s => s != left).ElementAt(_random.Next(open.Count - 1));
            Stream.Merge(left, right);
            Note($"merge {left.Id}+{right.Id}");
        }
        else if (open.Count < 4)
        {
            var parent = open[_random.Next(open.Count)];
            Stream.Split(parent);
            Note($"split {parent.Id}");
        }
        else
        {
            return;
        }

        if (_syncLagDraws.Next(2) == 0)
        {
            _syncHeldFor = [.. Stream.Shards[^1].Parents];
            _syncHeldLag = _syncLagDraws.Next(20, 60);
            _syncHeldAtMost = Step + 150;
        }

        foreach (var shard in Stream.Shards.Where(s => !Leases.ContainsKey(s.Id)))
        {
            Leases[shard.Id] = new Lease();
        }
    }

    /// <summary>
    /// Lease holders for shards without one. A child starts only once all its parents are checkpointed at
    /// SHARD_END (as the balancer does); a new holder starts after the lease checkpoint, or at the origin.
    /// </summary>
    private void StartReceivers(bool always)
    {
        // The balancer's pass lists the leases first; a child's lease, created at the reshard, is listed from then on.
        if (always || _syncDraws.Next(20) == 0 && !SyncHeld())
        {
            Checkpointer.NoteLeases();
        }

        foreach (var shard in Stream.Shards)
        {
            var lease = Leases[shard.Id];
            if (Receivers.Any(r => r.Alive && r.ShardId == shard.Id))
            {
                continue;
            }

            if (lease.Checkpoint is { Ended: true })
            {
                if (lease.ReplayRequested && (always || _random.Next(4) == 0))
                {
                    lease.Counter++;
                    _readIdBase += 1_000_000;
                    var replay = new SimulatedReceiver(this, shard, ++_receiverIds, lease.Counter, lease.ReplayFrom, _readIdBase, replay: true);
                    Receivers.Add(replay);
                    Note($"replay receiver {replay.Id} {shard.Id} from {lease.ReplayFrom?.ToString() ?? "origin"}");
                }

                continue;
            }

            if (shard.Parents.Any(p => Leases[p].Checkpoint is not { Ended: true }) || !always && _random.Next(4) != 0)
            {
                continue;
            }

            if (!Checkpointer.IsListed(shard.Id))
            {
                Count("child waits for the lease sync");
                continue;
            }

            lease.Counter++;
            _readIdBase += 1_000_000;
            var receiver = new SimulatedReceiver(this, shard, ++_receiverIds, lease.Counter, lease.Checkpoint?.Position, _readIdBase);
            Receivers.Add(receiver);
            Note($"receiver {receiver.Id} {shard.Id} from {Describe(lease.Checkpoint)}");
        }
    }

    /// <summary>The lease sync lags after a reshard: until the parents have ended (or a while), and some steps after.</summary>
    private bool SyncHeld()
    {
        if (_syncHeldFor.Count > 0)
        {
            if (Step > _syncHeldAtMost)
            {
                _syncHeldFor = [];
            }
            else if (_syncHeldFor.All(p => Leases[p].Checkpoint is { Ended: true }))
            {
                _syncHeldUntil = Step + _syncHeldLag;
                _syncHeldFor = [];
            }
            else
            {
                return true;
            }
        }

        return Step <= _syncHeldUntil;
    }

    private void ReportEnds()
    {
        foreach (var receiver in Receivers)
        {
            if (receiver.Alive && receiver.ReachedEnd && !Checkpointer.IsEnded(receiver))
            {
                Checkpointer.Ended(receiver);
            }
        }
    }

    private void WithReceiver(Action<SimulatedReceiver> action)
    {
        var alive = Receivers.Where(r => r.Alive).ToList();
        if (alive.Count > 0)
        {
            action(alive[_random.Next(alive.Count)]);
        }
    }

    private SimulatedReceiver? AnyWithCache()
    {
        var withCache = Receivers.Where(r => r.Cache.Count > 0).ToList();
        return withCache.Count == 0 ? null : withCache[_random.Next(withCache.Count)];
    }

    /// <summary>The next undelivered container of one lane of one cache (Orleans delivers in order per consumer).</summary>
    private void DeliverOne()
    {
        if (AnyWithCache() is not { } receiver)
        {
            return;
        }

        var next = receiver.Cache.Where(c => !c.Delivered).GroupBy(c => c.Lane).Select(g => g.First()).ToList();
        if (next.Count > 0)
        {
            Deliver(next[_random.Next(next.Count)]);
        }
    }

    private void Deliver(Container container)
    {
        container.Delivered = true;
        Partitions[container.Lane].Deliver(container.Batch);
    }

    /// <summary>Orleans retries a delivery it already made (the cursor went back, or the ack was lost).</summary>
    private void Redeliver()
    {
        if (AnyWithCache() is not { } receiver)
        {
            return;
        }

        var delivered = receiver.Cache.Where(c => c.Delivered).ToList();
        if (delivered.Count > 0)
        {
            var container = delivered[_random.Next(delivered.Count)];
            var partition = Partitions[container.Lane];
            partition.Deliver(container.Batch);
            Note($"redeliver {container.Batch.ShardId} {partition.Name}");
        }
    }

    /// <summary>Purges one delivered container (any one, any time); a give-up purges an undelivered one (MaxEventDeliveryTime).</summary>
    private void PurgeOne(bool giveUp)
    {
        if (AnyWithCache() is not { } receiver)
        {
            return;
        }

        var candidates = receiver.Cache.Where(c => c.Delivered != giveUp).ToList();
        if (candidates.Count > 0)
        {
            var container = candidates[_random.Next(candidates.Count)];
            if (giveUp)
            {
                Note($"give up {container.Batch.ShardId} {Partitions[container.Lane].Name} ({container.Batch.From}, {container.Batch.To}]");
            }

            receiver.Purged(container);
        }
    }

    private void KillReceiver()
    {
        if (Receivers.Where(r => r.Alive).ToList() is { Count: > 0 } alive)
        {
            var receiver = alive[_random.Next(alive.Count)];
            receiver.Alive = false;
            receiver.Cache.Clear();
            Checkpointer.Forget(receiver);
            Note($"kill receiver {receiver.Id}");
        }
    }

    /// <summary>The lease expires or is stolen: a new holder starts; the old one's cache still delivers for a while.</summary>
    private void StealLease()
    {
        if (Receivers.Where(r => r.Alive).ToList() is { Count: > 0 } alive)
        {
            var receiver = alive[_random.Next(alive.Count)];
            Leases[receiver.ShardId].Counter++;
            receiver.Alive = false;
            Checkpointer.Forget(receiver);
            Note($"steal lease of {receiver.Id}");
        }
    }

    private void KillPartition()
    {
        var partition = Partitions[_random.Next(Partitions.Count)];
        var zombie = _random.Next(3) == 0;
        partition.Kill(zombie);
        Note($"kill {partition.Name}{(zombie ? " (zombie)" : "")}");
    }

    private void SnapshotFault()
    {
        if (!FallbackFaults || !_faults)
        {
            return;
        }

        var partition = Partitions[_random.Next(Partitions.Count)];
        if (_random.Next(2) == 0)
        {
            partition.Snapshots!.LoseNewest();
            Note($"lose newest snapshot {partition.Name}");
        }
        else
        {
            partition.Snapshots!.CorruptNewest();
            Note($"corrupt newest snapshot {partition.Name}");
        }
    }

    /// <summary>A partition hands its durable rows to the sink; sometimes its silo dies right after the commit, before the delete.</summary>
    private void ShipRows()
    {
        var partition = Partitions[_random.Next(Partitions.Count)];
        var crash = _faults && _random.Next(4) == 0;
        if (!partition.Ship(_ => _random.Next(3) != 0, crash))
        {
            partition.Kill(leaveZombie: false);
            Note($"{partition.Name} killed after a sink commit");
        }
    }

    private void ZombieWrite()
    {
        var withZombies = Partitions.Where(p => p.Zombies.Count > 0).ToList();
        if (withZombies.Count > 0)
        {
            var partition = withZombies[_random.Next(withZombies.Count)];
            partition.ZombieWrites(_random.Next(partition.Zombies.Count));
            Note($"zombie snapshot {partition.Name}");
        }
    }

    /// <summary>
    /// Faults stop; everything is read, delivered, purged and checkpointed until every shard's checkpoint is at its
    /// last record (SHARD_END for closed shards) and no cache holds anything.
    /// </summary>
    private void Drain()
    {
        _faults = false;
        Checkpointer.WholeRounds = true;
        foreach (var partition in Partitions)
        {
            partition.Zombies.Clear();
        }

        // One read per receiver per round, then a cycle: a replay behind the checkpoint reports its positions
        // one by one, as it would live.
        var quietRestart = false;
        for (var round = 0; round < 2000; round++, Step++)
        {
            StartReceivers(always: true);
            foreach (var receiver in Receivers.Where(r => r.Alive).ToList())
            {
                receiver.Fetch(8);
                receiver.Read(_random.Next(1, 8));
            }

            foreach (var receiver in Receivers.ToList())
            {
                foreach (var container in receiver.Cache.Where(c => !c.Delivered).ToList())
                {
                    Deliver(container);
                }

                foreach (var container in receiver.Cache.ToList())
                {
                    receiver.Purged(container);
                }
            }

            ReportEnds();
            Receivers.RemoveAll(r => !r.Alive && r.Cache.Count == 0);
            Checkpointer.Cycle();
            Invariants.Check(this);
            if (Quiescent())
            {
                if (!quietRestart && _random.Next(2) == 0)
                {
                    // Half the seeds: the whole application restarts with nothing new to read (a deploy on a quiet
                    // stream): new readers at the tip, partitions restored with their shards active.
                    quietRestart = true;
                    foreach (var receiver in Receivers.Where(r => r.Alive))
                    {
                        receiver.Alive = false;
                        receiver.Cache.Clear();
                        Checkpointer.Forget(receiver);
                    }

                    foreach (var partition in Partitions)
                    {
                        partition.Kill(leaveZombie: false);
                    }

                    Note("quiet restart");
                    continue;
                }

                Invariants.CheckWatermarksReleased(this);

                // The last rows: every due timer fires (chunk by chunk), a barrier makes them durable, then every
                // partition hands them over.
                foreach (var partition in Partitions)
                {
                    partition.FireAllDue();
                    partition.Barrier([]);
                    partition.Ship(_ => true, crashBeforeDelete: false);
                }

                return;
            }
        }

        Fail("drain did not converge", string.Join(", ", Stream.Shards.Select(s => $"{s.Id}{(s.Closed ? " closed" : "")} last {s.Last?.ToString() ?? "-"} ckpt {Describe(Leases[s.Id].Checkpoint)}")));
    }

    private bool Quiescent() =>
        Receivers.All(r => r.Cache.Count == 0)

        // Every open shard has a reader (one that started this round has had the cycle's say: idle or not).
        && Stream.Open.All(s => Receivers.Any(r => r.Alive && r.ShardId == s.Id))
        && Leases.Values.All(l => !l.ReplayRequested)
        && Stream.Shards.All(s => Leases[s.Id].Checkpoint is var c && (s.Closed
            ? c is { Ended: true }
            : s.Last is not { } last || c is { Ended: false, Position: { } p } && p == last));
}
