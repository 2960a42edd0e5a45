using System.Collections.Immutable;
using KinesisGrains.Simulation.Model;

namespace KinesisGrains.Simulation;

/// <summary>
/// A timer's row as a sink committed it: the partition (its lane) and view, the timer and the window's count (with the
/// ids counted: ghost), and the partition that fired it (ghost: a rescale gives a lane number to another partition).
/// </summary>
internal readonly record struct FiredRow(int Partition, int View, int Key, long Time, int Count, ImmutableHashSet<int> Counted, SimulatedPartition By);

/// <summary>
/// A transactional sink as the Delta sink commits: per partition of a view (a state) the newest committed epoch (the
/// table's <c>txn.version</c> of the partition's appId); an epoch at or below it is skipped. The ghost is every (view, record
/// id) whose row was committed, with how many times; every timer row; every late event's side-output row.
/// </summary>
internal sealed class SimulatedSink
{
    private readonly Dictionary<(int View, int Partition), long> _committed = [];

    /// <summary>(view, record id) → times its row was committed: each view's partition emits its own row for a record.</summary>
    public Dictionary<(int View, int Id), int> Rows { get; } = [];

    /// <summary>(view, record id) → times its late side-output row was committed.</summary>
    public Dictionary<(int View, int Id), int> Late { get; } = [];

    /// <summary>(view, record id) → the partitions that committed its late rows (ghost: after a rescale, not one lane's).</summary>
    public Dictionary<(int View, int Id), List<SimulatedPartition>> LateBy { get; } = [];

    /// <summary>Every committed timer row, in commit order.</summary>
    public List<FiredRow> Fired { get; } = [];

    /// <summary>The newest epoch committed by partition <paramref name="index"/> of <paramref name="view"/> (whichever P it had).</summary>
    public long CommittedEpoch(int view, int index) => _committed.GetValueOrDefault((view, index));

    /// <summary>Commits one epoch's rows of a partition; false when it was committed before (nothing written).</summary>
    public bool Commit(SimulatedPartition partition, long epoch, IEnumerable<StagedRow> rows)
    {
        var view = partition.View;
        if (epoch <= CommittedEpoch(view, partition.Index))
        {
            return false;
        }

        foreach (var row in rows)
        {
            switch (row.Kind)
            {
                case RowKind.Event: Rows[(view, row.RecordId)] = Rows.GetValueOrDefault((view, row.RecordId)) + 1; break;
                case RowKind.Late:
                    Late[(view, row.RecordId)] = Late.GetValueOrDefault((view, row.RecordId)) + 1;
                    (LateBy.TryGetValue((view, row.RecordId), out var by) ? by : LateBy[(view, row.RecordId)] = []).Add(partition);
                    break;
                default: Fired.Add(new FiredRow(partition.Lane, view, row.Key, row.Time, row.Count, row.Counted ?? [], partition)); break;
            }
        }

        _committed[(view, partition.Index)] = epoch;
        return true;
    }
}
