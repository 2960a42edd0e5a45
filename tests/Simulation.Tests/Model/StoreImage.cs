using System.Collections.Immutable;
using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.KeyedState.ExactlyOnce;

using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Simulation.Model;

/// <summary>
/// A key's state: the fold (sum and count of values) plus the ids of the records folded in, and the key's open
/// tumbling windows (window end → the ids of the records counted in it; the count is their number). The ids are the
/// simulation's ghost: they let the checks tell a double count or a hole apart from a coincidentally right sum.
/// </summary>
internal sealed record KeyState(long Sum, int Count, ImmutableHashSet<int> Applied)
{
    public static readonly KeyState Empty = new(0, 0, []);

    /// <summary>Open windows by their end (the time of the key's timer that closes them).</summary>
    public ImmutableDictionary<long, ImmutableHashSet<int>> Windows { get; init; } = ImmutableDictionary<long, ImmutableHashSet<int>>.Empty;
}

/// <summary>Per shard: how many of its records the state folded in, and the last one (for the coverage check).</summary>
internal readonly record struct ShardTally(int Applied, Position? MaxApplied);

/// <summary>An event-time timer of a key, ordered by (time, key): the order timers fire in.</summary>
internal readonly record struct TimerKey(long Time, int Key) : IComparable<TimerKey>
{
    public int CompareTo(TimerKey other) => Time != other.Time ? Time.CompareTo(other.Time) : Key.CompareTo(other.Key);

    public override string ToString() => $"k{Key}@{Time}";
}

/// <summary>
/// A partition's view of one shard's watermark wm(s): the highest the partition took from a batch it applied or a
/// barrier it vouched for; <see cref="Idle"/> (the last vouched barrier said the shard had nothing new) and
/// <see cref="Ended"/> (the partition vouched for the shard's end) leave it out of wm(p).
/// </summary>
internal readonly record struct ShardWatermark(long? Watermark, bool Idle, bool Ended);

/// <summary>What a staged row is: an event's emitted row, a timer's firing, or a late event's side output.</summary>
internal enum RowKind
{
    Event,
    Fired,
    Late,
}

/// <summary>
/// A row staged for the sinks, with the epoch it was staged for. <see cref="RowKind.Event"/> and
/// <see cref="RowKind.Late"/>: the record whose event made it. <see cref="RowKind.Fired"/>: the timer (key, time) and
/// the window's count as the state held it, with the ids counted (ghost).
/// </summary>
internal readonly record struct StagedRow(long Epoch, int RecordId, RowKind Kind = RowKind.Event, int Key = 0, long Time = 0, ImmutableHashSet<int>? Counted = null)
{
    public int Count => Counted?.Count ?? 0;
}

/// <summary>
/// Everything a partition writes atomically (its local RocksDB WriteBatch, or a snapshot of it): states, the
/// ledger's coverage, the per-shard tallies (ghost), the epoch and the rows staged for the sink; and the event-time
/// part: the timers, the partition's watermark wm(p) and each shard's wm(s); and a rescale's floors. Immutable, so a copy
/// is a reference.
/// </summary>
internal sealed record StoreImage(
    ImmutableDictionary<int, KeyState> States,
    ImmutableDictionary<string, ShardCoverage> Coverage,
    ImmutableDictionary<string, ShardTally> Tallies,
    long Epoch,
    ImmutableList<StagedRow> Outbox)
{
    public static readonly StoreImage Empty = new(
        ImmutableDictionary<int, KeyState>.Empty,
        ImmutableDictionary.Create<string, ShardCoverage>(StringComparer.Ordinal),
        ImmutableDictionary.Create<string, ShardTally>(StringComparer.Ordinal),
        0,
        []);

    /// <summary>Registered timers not fired yet (a RocksDB column family keyed by time then key).</summary>
    public ImmutableSortedSet<TimerKey> Timers { get; init; } = ImmutableSortedSet<TimerKey>.Empty;

    /// <summary>wm(p) as written; null before the partition had any.</summary>
    public long? Watermark { get; init; }

    public ImmutableDictionary<string, ShardWatermark> ShardWatermarks { get; init; } = ImmutableDictionary.Create<string, ShardWatermark>(StringComparer.Ordinal);

    /// <summary>The ledger's inherited floors (a rescale's merge), per shard: written with the coverage (flr:).</summary>
    public ImmutableDictionary<string, InheritedFloor[]> Floors { get; init; } = ImmutableDictionary.Create<string, InheritedFloor[]>(StringComparer.Ordinal);

    /// <summary>
    /// Ghost, a spread view's partition after a rescale: the records its part holds that are of another partition's
    /// range (an old partition's part moved whole to the new partition of its first hash). Fixed for the lineage the
    /// rescale started: new events are of its own range only.
    /// </summary>
    public ImmutableHashSet<int> Foreign { get; init; } = [];

    /// <summary>Ghost, likewise: records of its own range its ledger holds (coverage or floors) whose part is another partition's.</summary>
    public ImmutableHashSet<int> Away { get; init; } = [];
}

/// <summary>Model ticks in the real contracts' DateTimeOffset fields (<c>ShardBarrier.Watermark</c>): a tick is a millisecond.</summary>
internal static class Ticks
{
    public static DateTimeOffset? ToOffset(long? ticks) => ticks is { } t ? DateTimeOffset.FromUnixTimeMilliseconds(t) : null;

    public static long? FromOffset(DateTimeOffset? offset) => offset?.ToUnixTimeMilliseconds();
}
