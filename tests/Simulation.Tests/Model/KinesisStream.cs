using KinesisGrains.Abstractions.Partitions;
using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Simulation.Model;

/// <summary>
/// One Kinesis record. <see cref="Id"/> is unique in the run: the checks count records by it. <see cref="EventTime"/>
/// is the time the event happened (model ticks; StreamEventInfo.EventTime), close to the append order but a little
/// out of it, sometimes much later than its neighbours.
/// </summary>
internal sealed record SimRecord(int Id, string ShardId, Position Position, int Key, int Value, bool Poison, long EventTime)
{
    public override string ToString() => $"#{Id} {ShardId}@{Position} k{Key}={Value} t{EventTime}{(Poison ? " poison" : "")}";
}

/// <summary>A shard: records in position order; closed by a split or merge, then read to its end by its last reader.</summary>
internal sealed class SimShard(string id, IReadOnlyList<string> parents)
{
    private readonly List<SimRecord> _records = [];

    // Per lane (view × partition), the positions of its non-poison records, to count "what a partition must hold up to
    // X" by binary search.
    private readonly Dictionary<int, List<Position>> _owed = [];

    public string Id { get; } = id;
    public IReadOnlyList<string> Parents { get; } = parents;
    public bool Closed { get; set; }
    public IReadOnlyList<SimRecord> Records => _records;
    public Position? Last => _records.Count == 0 ? null : _records[^1].Position;

    /// <param name="lanes">The lane the record goes to in each view.</param>
    public void Append(SimRecord record, IEnumerable<int> lanes)
    {
        _records.Add(record);
        if (!record.Poison)
        {
            foreach (var lane in lanes)
            {
                if (!_owed.TryGetValue(lane, out var list))
                {
                    _owed[lane] = list = [];
                }

                list.Add(record.Position);
            }
        }
    }

    /// <summary>The records after <paramref name="after"/> (null: from the trim horizon), at most <paramref name="max"/>.</summary>
    public IEnumerable<SimRecord> After(Position? after, int max)
    {
        var start = after is { } a ? UpperBound(_records, r => r.Position, a) : 0;
        for (var i = start; i < _records.Count && i < start + max; i++)
        {
            yield return _records[i];
        }
    }

    /// <summary>A rescale: every record owes its lanes under the new partition count.</summary>
    public void Reindex(Func<SimRecord, IEnumerable<int>> lanesOf)
    {
        _owed.Clear();
        var records = _records.ToList();
        _records.Clear();
        foreach (var record in records)
        {
            Append(record, lanesOf(record));
        }
    }

    /// <summary>How many non-poison records of the lane lie at or below <paramref name="upTo"/> (null: none).</summary>
    public int OwedUpTo(int lane, Position? upTo) =>
        upTo is { } u && _owed.TryGetValue(lane, out var list) ? UpperBound(list, p => p, u) : 0;

    private static int UpperBound<T>(List<T> list, Func<T, Position> position, Position value)
    {
        int lo = 0, hi = list.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (position(list[mid]) <= value) lo = mid + 1; else hi = mid;
        }

        return lo;
    }
}

/// <summary>
/// The stream: shards with records appended over time, splits and merges. Sequence numbers are decimal and grow
/// across digit lengths (the token orders by length first); some records share one sequence number with KPL-like
/// sub-sequence numbers. Records are read in <see cref="Views"/> views (KeyedView): the primary one by the record's
/// key, and maybe a second one by a coarser key (key mod 3, routed by its own hash) or by one global key spread over
/// the primary key's partition; lane v × P + p is partition p of view v.
/// </summary>
/// <remarks>
/// Keys are routed as partitions are cut (<see cref="PartitionMap"/>: by the top 64 bits of their hash), so a rescale
/// can split them by hash range as the ledgers' floors are. A key's hash is its MD5's top 64 bits moved into the
/// slice of the partition FNV gave it at the start: every seed routes as it did before rescales were modelled.
/// </remarks>
internal sealed class KinesisStream
{
    private const int ViewKeys = 3;
    private readonly Random _random;
    private readonly Random _eventTimes;

    // Seeds whose event times run ahead on the other shards at a reshard (drawn from a generator of their own).
    private readonly Random? _skews;
    private readonly bool _skewed;
    private readonly Dictionary<string, long> _skew = new(StringComparer.Ordinal);
    private readonly int[] _partitionOfKey;
    private readonly int[] _partitionOfViewKey;
    private readonly ulong[] _hashOfKey;
    private readonly ulong[] _hashOfViewKey;
    private long _sequence;
    private long _clock;
    private int _nextRecord;
    private int _nextShard;

    /// <param name="eventTimes">Draws only event times, so the protocol's schedule of a seed is the same with or without them.</param>
    /// <param name="views">1: the primary view only; 2: and a second view, <paramref name="spread"/> or by its own key.</param>
    /// <param name="skews">
    /// Draws whether the seed's event times skew at reshards (half the seeds) and by how much; with it null, or in the other
    /// half, every seed's event times are what they were before skews were modelled.
    /// </param>
    public KinesisStream(Random random, Random eventTimes, int shards, int keys, int partitions, int views = 1, bool spread = false, Random? skews = null)
    {
        _random = random;
        _eventTimes = eventTimes;
        _skews = skews;
        _skewed = skews?.Next(2) == 0;
        _clock = eventTimes.Next(50, 100);
        Partitions = partitions;
        Views = views;
        Spread = spread;
        _partitionOfKey = new int[keys];
        _hashOfKey = new ulong[keys];
        for (var k = 0; k < keys; k++)
        {
            _partitionOfKey[k] = (int)(Fnv($"key-{k}") % (uint)partitions);
            _hashOfKey[k] = HashInSlice($"key-{k}", _partitionOfKey[k], partitions);
        }

        _partitionOfViewKey = new int[ViewKeys];
        _hashOfViewKey = new ulong[ViewKeys];
        for (var k = 0; k < ViewKeys; k++)
        {
            _partitionOfViewKey[k] = (int)(Fnv($"type-{k}") % (uint)partitions);
            _hashOfViewKey[k] = HashInSlice($"type-{k}", _partitionOfViewKey[k], partitions);
        }

        _sequence = random.Next(1, 990);
        for (var i = 0; i < shards; i++)
        {
            NewShard([]);
        }
    }

    public int Partitions { get; private set; }

    /// <summary>Views of the records: 1 (primary) or 2.</summary>
    public int Views { get; }

    /// <summary>The second view is one global key, routed by the primary key's partition (KeyedViewRouting.Spread).</summary>
    public bool Spread { get; }

    /// <summary>Views × partitions: one partition grain each.</summary>
    public int Lanes => Views * Partitions;

    public int Keys => _partitionOfKey.Length;

    /// <summary>How many keys <paramref name="view"/> has: the records' own, or the second view's (key mod 3; one when spread).</summary>
    public int KeysOf(int view) => view == 0 ? Keys : Spread ? 1 : ViewKeys;
    public List<SimShard> Shards { get; } = [];
    public Dictionary<string, SimShard> ById { get; } = new(StringComparer.Ordinal);
    public List<SimRecord> AllRecords { get; } = [];
    public int PartitionOf(int key) => _partitionOfKey[key];

    /// <summary>A record's key in <paramref name="view"/>: its own in the primary view, key mod 3 (a type), or 0 (the global key) when spread.</summary>
    public int ViewKeyOf(int view, int key) => view == 0 ? key : Spread ? 0 : key % ViewKeys;

    /// <summary>The partition a record of <paramref name="key"/> goes to in <paramref name="view"/>.</summary>
    public int PartitionOf(int view, int key) => view == 0 || Spread ? _partitionOfKey[key] : _partitionOfViewKey[key % ViewKeys];

    public int LaneOf(int view, int key) => (view * Partitions) + PartitionOf(view, key);

    /// <summary>
    /// The top 64 bits of the hash <paramref name="view"/> routes a record of <paramref name="key"/> (or a state of that
    /// view key) by: what the ledger's floors are cut by. A spread view routes by the primary key.
    /// </summary>
    public ulong HashOf(int view, int key) => view == 0 || Spread ? _hashOfKey[key] : _hashOfViewKey[key % ViewKeys];

    /// <summary>
    /// The top 64 bits of the hash of <paramref name="viewKey"/> itself, a key of <paramref name="view"/>: what a rescale
    /// moves a state by when it is where its hash says. Only a spread view's key (the global key: its own name's hash)
    /// differs from <see cref="HashOf"/>, which is its events' routing (primary) key's.
    /// </summary>
    public ulong OwnHashOf(int view, int viewKey) => view == 0 ? _hashOfKey[viewKey] : _hashOfViewKey[viewKey];

    /// <summary>
    /// A rescale to <paramref name="partitions"/>: every key goes to the partition whose slice holds its hash
    /// (<see cref="PartitionMap"/>), and every record owes the lanes of its key's new partitions.
    /// </summary>
    public void Rescale(int partitions)
    {
        var map = new PartitionMap(partitions);
        Partitions = partitions;
        for (var k = 0; k < _partitionOfKey.Length; k++)
        {
            _partitionOfKey[k] = map.GetPartition((UInt128)_hashOfKey[k] << 64);
        }

        for (var k = 0; k < ViewKeys; k++)
        {
            _partitionOfViewKey[k] = map.GetPartition((UInt128)_hashOfViewKey[k] << 64);
        }

        foreach (var shard in Shards)
        {
            shard.Reindex(r => LanesOf(r.Key));
        }
    }

    /// <summary>The lanes of a record of <paramref name="key"/>, one per view.</summary>
    public IEnumerable<int> LanesOf(int key) => Enumerable.Range(0, Views).Select(view => LaneOf(view, key));

    public IEnumerable<SimShard> Open => Shards.Where(s => !s.Closed);

    /// <summary>
    /// The shard's own wm(s) just before <paramref name="record"/>: the latest event time of the records before it in
    /// its shard and of every record of its ancestors (read to their ends before it), minus the bound; null before any.
    /// An event is late by its own shard's order when its window ends at or below this.
    /// </summary>
    public long? OwnWatermarkBefore(SimRecord record, long outOfOrderness)
    {
        long? latest = null;
        foreach (var earlier in ById[record.ShardId].Records)
        {
            if (earlier.Position >= record.Position)
            {
                break;
            }

            latest = latest is { } l ? Math.Max(l, earlier.EventTime) : earlier.EventTime;
        }

        var ancestors = new Stack<string>(ById[record.ShardId].Parents);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (ancestors.TryPop(out var ancestor))
        {
            if (!seen.Add(ancestor))
            {
                continue;
            }

            foreach (var earlier in ById[ancestor].Records)
            {
                latest = latest is { } l ? Math.Max(l, earlier.EventTime) : earlier.EventTime;
            }

            foreach (var parent in ById[ancestor].Parents)
            {
                ancestors.Push(parent);
            }
        }

        return latest - outOfOrderness;
    }

    /// <summary>
    /// Appends one record, or a KPL-like aggregate of 2–4 records sharing a sequence number. Event times follow a
    /// clock that advances 0–2 ticks per append: most records are up to 3 ticks behind it, one in twelve up to 24. In
    /// the skewed seeds a shard's times are the clock plus its skew (<see cref="Split"/>).
    /// </summary>
    public void Append(SimShard shard)
    {
        _sequence += _random.Next(1, 60);
        _clock += _eventTimes.Next(0, 3);
        var count = _random.Next(8) == 0 ? _random.Next(2, 5) : 1;
        for (var sub = 0; sub < count; sub++)
        {
            var key = _random.Next(Keys);
            var poison = _random.Next(40) == 0;
            var eventTime = _clock + _skew.GetValueOrDefault(shard.Id) - (_eventTimes.Next(12) == 0 ? _eventTimes.Next(0, 25) : _eventTimes.Next(0, 4));
            var record = new SimRecord(_nextRecord++, shard.Id, new Position(_sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), sub), key, poison ? 13 : _random.Next(1, 10), poison, eventTime);
            shard.Append(record, LanesOf(key));
            AllRecords.Add(record);
        }
    }

    /// <summary>
    /// A split. In the skewed seeds, a reshard's children carry on from their parent's event times (its skew), while
    /// every other open shard jumps one to three windows ahead: a partition that does not count the children moves its
    /// watermark past their records as soon as another shard reports.
    /// </summary>
    public void Split(SimShard parent)
    {
        parent.Closed = true;
        Skew([NewShard([parent.Id]), NewShard([parent.Id])], [parent]);
    }

    public void Merge(SimShard left, SimShard right)
    {
        left.Closed = true;
        right.Closed = true;
        Skew([NewShard([left.Id, right.Id])], [left, right]);
    }

    private void Skew(IReadOnlyList<SimShard> children, IReadOnlyList<SimShard> parents)
    {
        if (!_skewed)
        {
            return;
        }

        var ahead = _skews!.Next(12, 37);
        foreach (var shard in Open.Where(s => !children.Contains(s)))
        {
            _skew[shard.Id] = _skew.GetValueOrDefault(shard.Id) + ahead;
        }

        foreach (var child in children)
        {
            _skew[child.Id] = parents.Max(p => _skew.GetValueOrDefault(p.Id));
        }
    }

    private SimShard NewShard(IReadOnlyList<string> parents)
    {
        var shard = new SimShard($"shard-{_nextShard++:D3}", parents);
        Shards.Add(shard);
        ById[shard.Id] = shard;
        return shard;
    }

    /// <summary>The key's MD5 (top 64 bits) scaled into partition <paramref name="partition"/>'s slice of P = <paramref name="partitions"/>.</summary>
    private static ulong HashInSlice(string key, int partition, int partitions)
    {
        var md5 = (ulong)(PartitionMap.HashOf(key) >> 64);
        var hash = (ulong)((((UInt128)(ulong)partition << 64) + md5) / (ulong)partitions);
        if (new PartitionMap(partitions).GetPartition((UInt128)hash << 64) != partition)
        {
            throw new InvalidOperationException($"{key}: hash {hash:x16} is not in partition {partition} of {partitions}");
        }

        return hash;
    }

    private static uint Fnv(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}
