using System.Collections.Immutable;
using KinesisGrains.Simulation.Model;

namespace KinesisGrains.Simulation;

/// <summary>A timer's row as a sink committed it: the partition (its lane) and view, the timer and the window's count (with the ids counted: ghost).</summary>
internal readonly record struct FiredRow(int Partition, int View, int Key, long Time, int Count, ImmutableHashSet<int> Counted);

/// <summary>
/// A transactional sink as the Delta sink commits: per partition the newest committed epoch (the table's
/// <c>txn.version</c> of the partition's appId); an epoch at or below it is skipped. The ghost is every (view, record
/// id) whose row was committed, with how many times; every timer row; every late event's side-output row.
/// </summary>
internal sealed class SimulatedSink
{
    private readonly Dictionary<int, long> _committed = [];

    /// <summary>(view, record id) → times its row was committed: each view's partition emits its own row for a record.</summary>
    public Dictionary<(int View, int Id), int> Rows { get; } = [];

    /// <summary>(view, record id) → times its late side-output row was committed.</summary>
    public Dictionary<(int View, int Id), int> Late { get; } = [];

    /// <summary>Every committed timer row, in commit order.</summary>
    public List<FiredRow> Fired { get; } = [];

    public long CommittedEpoch(int partition) => _committed.GetValueOrDefault(partition);

    /// <summary>Commits one epoch's rows of a partition (a lane) of <paramref name="view"/>; false when it was committed before (nothing written).</summary>
    public bool Commit(int partition, int view, long epoch, IEnumerable<StagedRow> rows)
    {
        if (epoch <= CommittedEpoch(partition))
        {
            return false;
        }

        foreach (var row in rows)
        {
            switch (row.Kind)
            {
                case RowKind.Event: Rows[(view, row.RecordId)] = Rows.GetValueOrDefault((view, row.RecordId)) + 1; break;
                case RowKind.Late: Late[(view, row.RecordId)] = Late.GetValueOrDefault((view, row.RecordId)) + 1; break;
                default: Fired.Add(new FiredRow(partition, view, row.Key, row.Time, row.Count, row.Counted ?? [])); break;
            }
        }

        _committed[partition] = epoch;
        return true;
    }
}
