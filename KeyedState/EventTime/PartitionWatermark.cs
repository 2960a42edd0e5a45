namespace KinesisGrains.KeyedState.EventTime;

/// <summary>
/// A partition's event-time watermark: the minimum over the shards feeding it of each shard's watermark, idle and
/// ended shards left out, never moving backwards. Plain C#: the grain feeds it what the shards say and persists it
/// (<see cref="TakeChanged"/>) in the same atomic write as the state, so a restore resumes from where the state is.
/// </summary>
/// <remarks>
/// A shard's watermark is taken only from batches the partition applied and barriers it vouched for: a batch it
/// refused (a gap to replay) must not make the replayed events late. A shard first heard of without a watermark (a
/// child after a split, a reader restarted before its first record) starts at the partition's watermark: it neither
/// holds it below what it was nor lets it run ahead; a child named at its parent's end, when the partition has no
/// watermark yet, starts at the parent's last one (<see cref="Know"/>).
/// </remarks>
internal sealed class PartitionWatermark
{
    private readonly Dictionary<string, KnownShardWatermark> _shards = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);

    /// <param name="durable">Each shard's watermark (ms since the Unix epoch) and whether it ended, as last written.</param>
    /// <param name="current">The partition's watermark as last written; null before any.</param>
    public PartitionWatermark(IEnumerable<KeyValuePair<string, KnownShardWatermark>> durable, long? current)
    {
        foreach (var (shardId, shard) in durable)
        {
            _shards[shardId] = shard;
        }

        Current = current;
    }

    // Until the activation's first barrier round the partition may not know every open shard (a fresh start knows none,
    // a restore only those its snapshot had heard of): the shards it has heard from must not move the watermark alone.
    private bool _openShardsHeard;

    /// <summary>The partition's watermark in ms since the Unix epoch; null until every shard feeding it has one.</summary>
    public long? Current { get; private set; }

    /// <summary>True while something changed that <see cref="TakeChanged"/> has not handed out.</summary>
    public bool HasChanges { get; private set; }

    public IReadOnlyDictionary<string, KnownShardWatermark> Shards => _shards;

    /// <summary>What a shard says of its watermark (a batch applied, a barrier vouched); true when the partition's watermark moved.</summary>
    /// <param name="watermark">The shard's watermark; null before its first record.</param>
    /// <param name="idle">The shard had no record for the idle timeout.</param>
    /// <param name="ended">The shard was read to its end.</param>
    public bool Observe(string shardId, DateTimeOffset? watermark, bool idle, bool ended = false)
    {
        var incoming = watermark?.ToUnixTimeMilliseconds();
        if (!_shards.TryGetValue(shardId, out var known))
        {
            known = new KnownShardWatermark(Current, Idle: false, Ended: false);
            _shards[shardId] = known;
            _changed.Add(shardId);
            HasChanges = true;
        }

        var next = new KnownShardWatermark(Max(known.Value, incoming), idle, known.Ended || ended);
        if (next != known)
        {
            _shards[shardId] = next;
            if (next.Value != known.Value || next.Ended != known.Ended)
            {
                _changed.Add(shardId);
                HasChanges = true;
            }
        }

        return Recompute();
    }

    /// <summary>
    /// A shard a barrier round names as open but does not read: one the partition does not know counts from now on,
    /// at the partition's watermark, so the watermark waits for it instead of moving on the other shards alone.
    /// </summary>
    /// <param name="startsAt">
    /// Where the round says the shard starts (a child named at its parent's SHARD_END: the parent's last watermark);
    /// null when it does not know. It counts only where the partition has nothing better for the shard: not known while
    /// the partition has no watermark itself, or known without one. Without it, a child named in the round that makes the
    /// partition's first watermark would start at none and hold the partition there until the child's own first word,
    /// and so would its children, named at their parents' ends in turn: a reader catching up through reshards left
    /// the watermark at none to the end. Its records all come after its parent's, so the parent's end is a bound.
    /// </param>
    public void Know(string shardId, DateTimeOffset? startsAt = null)
    {
        var start = startsAt?.ToUnixTimeMilliseconds();
        if (!_shards.TryGetValue(shardId, out var known))
        {
            _shards[shardId] = new KnownShardWatermark(Current ?? start, Idle: false, Ended: false);
            _changed.Add(shardId);
            HasChanges = true;
        }
        else if (known is { Value: null, Ended: false } && start is not null)
        {
            // Known without a watermark (named earlier by a round that knew no start): it held the partition at none.
            _shards[shardId] = known with { Value = start };
            _changed.Add(shardId);
            HasChanges = true;
        }
    }

    /// <summary>
    /// The partition refused the shard (a gap: events of it are missing here, a replay is on its way): it holds the
    /// watermark, known and not idle whatever its reader said before, until the replay's batches are applied.
    /// </summary>
    public void Hold(string shardId)
    {
        Know(shardId);
        if (_shards[shardId] is { Idle: true } idle)
        {
            _shards[shardId] = idle with { Idle = false };
        }
    }

    /// <summary>True once a barrier round of this activation reached the partition (<see cref="OpenShardsHeard"/>).</summary>
    public bool HasHeardOpenShards => _openShardsHeard;

    /// <summary>A barrier round reached the partition: it names every open shard, so from now on the watermark may move; true when it moved.</summary>
    public bool OpenShardsHeard()
    {
        _openShardsHeard = true;
        return Recompute();
    }

    /// <summary>The shards whose watermark changed since the last call, and the partition's watermark, to write with the state.</summary>
    public (IReadOnlyList<KeyValuePair<string, KnownShardWatermark>> Shards, long? Current) TakeChanged()
    {
        var changed = _changed.Select(s => KeyValuePair.Create(s, _shards[s])).ToList();
        _changed.Clear();
        HasChanges = false;
        return (changed, Current);
    }

    private bool Recompute()
    {
        if (!_openShardsHeard)
        {
            return false;
        }

        long? lowest = null;
        long? highest = null;
        var active = 0;
        foreach (var shard in _shards.Values)
        {
            if (shard.Ended)
            {
                continue;
            }

            highest = Max(highest, shard.Value);
            if (shard.Idle)
            {
                continue;
            }

            active++;
            if (shard.Value is not { } value)
            {
                // A feeding shard without a watermark yet holds the partition where it is.
                return false;
            }

            lowest = lowest is { } l ? Math.Min(l, value) : value;
        }

        // Every shard idle: nothing older is on its way from any of them for now, so the partition may move to the
        // newest of them (else windows of a quiet stream would never close).
        var candidate = active > 0 ? lowest : highest;
        if (candidate is { } c && (Current is not { } current || c > current))
        {
            Current = c;
            HasChanges = true;
            return true;
        }

        return false;
    }

    private static long? Max(long? left, long? right) => left is not { } l ? right : right is not { } r ? l : Math.Max(l, r);
}

/// <summary>What a partition knows of one shard's watermark.</summary>
/// <param name="Value">The shard's watermark in ms since the Unix epoch; null before its first record.</param>
/// <param name="Idle">The shard last said it was idle (not persisted: a restarted reader says again).</param>
/// <param name="Ended">The shard was read to its end: it no longer holds the partition back.</param>
internal readonly record struct KnownShardWatermark(long? Value, bool Idle, bool Ended);
