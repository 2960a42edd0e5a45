using KinesisGrains.Abstractions.ExactlyOnce;

using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.KeyedState.ExactlyOnce;

/// <summary>
/// The exactly-once rules of one keyed-state partition, in one place: which batches it may apply, which events of
/// them are redeliveries, and which shard positions it may vouch for at a checkpoint barrier. Plain C#: no Orleans,
/// no I/O; the grain stores <see cref="TakeChanged"/> in the same atomic write as the state it applied, and the
/// deterministic simulation drives the same type. <c>docs/exactly-once.md</c> argues why the rules hold.
/// </summary>
/// <remarks>
/// Rule 2, no coverage without proof: a batch (From, To] is accepted only when the partition provably holds the
/// shard up to From (<see cref="ShardCoverage.Holds"/>); having no entry for the shard proves nothing, except for
/// a batch whose From is the shard's origin (null, set by a reader that started without a checkpoint).
/// </remarks>
internal sealed class PartitionLedger
{
    private readonly Dictionary<string, ShardCoverage> _shards = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refusing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, InheritedFloor[]> _floors = new(StringComparer.Ordinal);
    private readonly HashSet<string> _floorsChanged = new(StringComparer.Ordinal);

    /// <summary>A ledger as it was last written (empty for a partition never written).</summary>
    /// <param name="epoch">The last checkpoint barrier the partition made durable.</param>
    /// <param name="floors">Per shard, the ranges of keys a rescale merged in whose own coverage the partition has not passed yet.</param>
    public PartitionLedger(IEnumerable<KeyValuePair<string, ShardCoverage>> durable, long epoch = 0, IEnumerable<KeyValuePair<string, InheritedFloor[]>>? floors = null)
    {
        foreach (var (shardId, coverage) in durable)
        {
            _shards[shardId] = coverage;
        }

        foreach (var (shardId, inherited) in floors ?? [])
        {
            if (inherited.Length > 0)
            {
                _floors[shardId] = inherited;
            }
        }

        Epoch = epoch;
    }

    /// <summary>Checkpoint barriers this partition has vouched at; each one's state is durable once its barrier returns.</summary>
    public long Epoch { get; private set; }

    /// <summary>Shards whose batches this partition refuses until a replay reaches it again.</summary>
    public IReadOnlyCollection<string> Refusing => _refusing;

    public IReadOnlyDictionary<string, ShardCoverage> Shards => _shards;

    public ShardCoverage CoverageOf(string shardId) => _shards.GetValueOrDefault(shardId);

    /// <summary>Per shard, the key ranges a rescale merged in, each with the point its old partition held it to.</summary>
    public IReadOnlyDictionary<string, InheritedFloor[]> Floors => _floors;

    /// <summary>True while events of <paramref name="shardId"/> must be checked one by one with <see cref="IsInherited"/>.</summary>
    public bool HasInherited(string shardId) => _floors.Count > 0 && _floors.ContainsKey(shardId);

    /// <summary>
    /// True when the event of the shard at <paramref name="position"/>, whose key hashes to <paramref name="keyHash"/>,
    /// is in the state the partition inherited (the old partition of its key applied it): it is skipped, not applied.
    /// </summary>
    public bool IsInherited(string shardId, ulong keyHash, Position position)
    {
        if (!_floors.TryGetValue(shardId, out var floors))
        {
            return false;
        }

        foreach (var floor in floors)
        {
            if (floor.Contains(keyHash))
            {
                return position <= floor.Floor;
            }
        }

        return false;
    }

    /// <summary>Decides on a batch (<paramref name="from"/>, To] of a shard; changes nothing but the refusal bookkeeping.</summary>
    /// <param name="newGap">True when this refusal starts a gap (the first refused batch since the shard was last accepted).</param>
    public BatchAdmission Admit(string shardId, Position? from, out bool newGap)
    {
        var coverage = CoverageOf(shardId);
        if (!coverage.Holds(from))
        {
            newGap = _refusing.Add(shardId);
            return BatchAdmission.Refused;
        }

        newGap = false;
        _refusing.Remove(shardId);
        return new BatchAdmission(true, coverage.Mark);
    }

    /// <summary>
    /// Records an admitted batch as applied: the mark moves to its last new event, coverage to its end. Call it only
    /// once every event of the batch is applied or dead-lettered (rule 1: the batch is all or nothing).
    /// </summary>
    public void Commit(string shardId, Position? lastApplied, Position to)
    {
        var coverage = CoverageOf(shardId);
        var next = new ShardCoverage(ShardCoverage.Max(coverage.Mark, lastApplied), ShardCoverage.Max(coverage.Covered, to));
        if (next != coverage)
        {
            _shards[shardId] = next;
            _changed.Add(shardId);
            ReleaseFloors(shardId);
        }
    }

    /// <summary>
    /// A checkpoint barrier's claim for one shard: every delivery up to <see cref="ShardBarrier.Reached"/> reached
    /// this partition, and the last batch among them ended at <see cref="ShardBarrier.LastSent"/>. The partition
    /// vouches for Reached only when it holds LastSent (then nothing of its keys lies between them).
    /// </summary>
    /// <returns>Null when vouched; else the gap to replay.</returns>
    public ShardGap? Vouch(ShardBarrier barrier)
    {
        var coverage = CoverageOf(barrier.ShardId);
        if (!coverage.Holds(barrier.LastSent))
        {
            _refusing.Add(barrier.ShardId);
            return new ShardGap(barrier.ShardId, coverage.Covered);
        }

        if (barrier.Reached is { } reached && ShardCoverage.Max(coverage.Covered, reached) != coverage.Covered)
        {
            _shards[barrier.ShardId] = coverage with { Covered = reached };
            _changed.Add(barrier.ShardId);
            ReleaseFloors(barrier.ShardId);
        }

        return null;
    }

    /// <summary>Starts the next epoch: the caller writes it with <see cref="TakeChanged"/> and makes that write durable.</summary>
    public long NextEpoch() => ++Epoch;

    /// <summary>
    /// Numbers the next epochs above <paramref name="epoch"/>: a sink committed epochs this ledger never reached (it
    /// was restored from an older snapshot), and would skip rows staged under their numbers as committed already.
    /// </summary>
    public void SkipEpochsTo(long epoch) => Epoch = Math.Max(Epoch, epoch);

    /// <summary>The shards whose coverage changed since the last call, to write with the state they describe.</summary>
    public IReadOnlyList<KeyValuePair<string, ShardCoverage>> TakeChanged()
    {
        if (_changed.Count == 0)
        {
            return [];
        }

        var changed = _changed.Select(s => new KeyValuePair<string, ShardCoverage>(s, _shards[s])).ToList();
        _changed.Clear();
        return changed;
    }

    /// <summary>Forgets <paramref name="shardIds"/> (a reset that keeps the state reads them again from a new origin); not written.</summary>
    public void Forget(IEnumerable<string> shardIds)
    {
        foreach (var shardId in shardIds)
        {
            _shards.Remove(shardId);
            _floors.Remove(shardId);
        }
    }

    /// <summary>The shards whose floors changed since the last call (an empty array: released), to write with the state.</summary>
    public IReadOnlyList<KeyValuePair<string, InheritedFloor[]>> TakeChangedFloors()
    {
        if (_floorsChanged.Count == 0)
        {
            return [];
        }

        var changed = _floorsChanged.Select(s => new KeyValuePair<string, InheritedFloor[]>(s, _floors.GetValueOrDefault(s) ?? [])).ToList();
        _floorsChanged.Clear();
        return changed;
    }

    /// <summary>True while something changed that <see cref="TakeChanged"/> has not handed out.</summary>
    public bool HasChanges => _changed.Count > 0 || _floorsChanged.Count > 0;

    /// <summary>
    /// The ledger of a partition a rescale makes of parts of old partitions: each part is the hash range [First, Last]
    /// of the new partition's keys that one old partition held, with that partition's ledger. The new partition holds
    /// a shard up to where every part does; each part's keys keep their own floor (its old partition's coverage) until
    /// the new partition's coverage passes them all. With parts held to one point (a rescale at one barrier) there are
    /// no floors: the ledger is the parts' common one.
    /// </summary>
    public static PartitionLedger Merge(IReadOnlyList<(ulong First, ulong Last, PartitionLedger Ledger)> parts)
    {
        ArgumentOutOfRangeException.ThrowIfZero(parts.Count);
        var coverage = new Dictionary<string, ShardCoverage>(StringComparer.Ordinal);
        var floors = new Dictionary<string, InheritedFloor[]>(StringComparer.Ordinal);
        var shardIds = parts.SelectMany(p => p.Ledger._shards.Keys.Concat(p.Ledger._floors.Keys)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var shardId in shardIds)
        {
            Position? covered = null;
            var everyPartCovers = true;
            var pieces = new List<InheritedFloor>();
            var everyPieceHasFloor = true;
            foreach (var (first, last, ledger) in parts)
            {
                var own = ledger.CoverageOf(shardId);
                everyPartCovers &= own.Covered is not null;
                covered = covered is { } c && own.Covered is { } o ? (c <= o ? c : o) : own.Covered ?? covered;
                everyPieceHasFloor &= ledger.AddPieces(shardId, first, last, pieces);
            }

            Position? mark = everyPieceHasFloor && pieces.Count > 0 ? pieces.Min(p => p.Floor) : null;
            var merged = new ShardCoverage(mark, everyPartCovers ? covered : null);
            coverage[shardId] = merged;
            if (merged.Covered is not { } all || pieces.Any(p => p.Floor > all))
            {
                floors[shardId] = [.. pieces];
            }
        }

        return new PartitionLedger(coverage, parts.Max(p => p.Ledger.Epoch), floors);
    }

    /// <summary>
    /// Adds the floors of this ledger's keys in [<paramref name="first"/>, <paramref name="last"/>] for a merge: its own
    /// floors where it still has them, else what it holds (its mark or coverage, whichever is later).
    /// </summary>
    /// <returns>False when part of the range has nothing applied to build a floor on.</returns>
    private bool AddPieces(string shardId, ulong first, ulong last, List<InheritedFloor> pieces)
    {
        var own = CoverageOf(shardId);
        var held = ShardCoverage.Max(own.Mark, own.Covered);
        var next = first;
        var complete = true;
        foreach (var floor in (_floors.GetValueOrDefault(shardId) ?? []).Where(f => f.Last >= first && f.First <= last).OrderBy(f => f.First))
        {
            var from = Math.Max(floor.First, first);
            if (from > next)
            {
                complete &= AddPiece(next, from - 1, held, pieces);
            }

            complete &= AddPiece(from, Math.Min(floor.Last, last), ShardCoverage.Max(floor.Floor, held), pieces);
            if (floor.Last >= last)
            {
                return complete;
            }

            next = floor.Last + 1;
        }

        return AddPiece(next, last, held, pieces) && complete;
    }

    private static bool AddPiece(ulong first, ulong last, Position? floor, List<InheritedFloor> pieces)
    {
        if (floor is not { } f)
        {
            return false;
        }

        pieces.Add(new InheritedFloor(first, last, f));
        return true;
    }

    /// <summary>
    /// Drops a shard's floors once its coverage passed them all: every event up to the coverage is then applied or
    /// inherited, so the one mark can stand for the whole partition again (moved up to the highest floor, or an
    /// inherited event above the mark would be applied twice when replayed).
    /// </summary>
    private void ReleaseFloors(string shardId)
    {
        if (_floors.Count == 0 || !_floors.TryGetValue(shardId, out var floors))
        {
            return;
        }

        var coverage = _shards.GetValueOrDefault(shardId);
        var highest = floors.Max(f => f.Floor);
        if (coverage.Covered is not { } covered || covered < highest)
        {
            return;
        }

        _floors.Remove(shardId);
        _floorsChanged.Add(shardId);
        _shards[shardId] = coverage with { Mark = ShardCoverage.Max(coverage.Mark, highest) };
        _changed.Add(shardId);
    }
}
