using System.Collections.Immutable;
using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.KeyedState.ExactlyOnce;

using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Simulation.Model;

/// <summary>
/// A key's state: the fold (sum and count of values) plus the ids of the records folded in. The ids are the
/// simulation's ghost: they let the checks tell a double count or a hole apart from a coincidentally right sum.
/// </summary>
public sealed record KeyState(long Sum, int Count, ImmutableHashSet<int> Applied)
{
    public static readonly KeyState Empty = new(0, 0, []);
}

/// <summary>Per shard: how many of its records the state folded in, and the last one (for the coverage check).</summary>
public readonly record struct ShardTally(int Applied, Position? MaxApplied);

/// <summary>A row staged for the sink: the record and view whose event emitted it (<see cref="Of"/>), and the epoch it was staged for.</summary>
public readonly record struct StagedRow(long Epoch, int RecordId)
{
    /// <summary>The row id of a record's event in a view: each view's partition emits its own row for the record.</summary>
    public static int Of(SimRecord record, int view) => (record.Id * 2) + view;
}

/// <summary>
/// Everything a partition writes atomically (its local RocksDB WriteBatch, or a snapshot of it): states, the
/// ledger's coverage, the per-shard tallies (ghost), the epoch and the rows staged for the sink. Immutable, so a copy
/// is a reference.
/// </summary>
public sealed record StoreImage(
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
}
