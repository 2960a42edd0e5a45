namespace KinesisGrains.Simulation;

/// <summary>
/// A transactional sink as the Delta sink commits: per partition the newest committed epoch (the table's
/// <c>txn.version</c> of the partition's appId); an epoch at or below it is skipped. The ghost is every record id
/// whose row was committed, with how many times.
/// </summary>
public sealed class SimulatedSink
{
    private readonly Dictionary<int, long> _committed = [];

    /// <summary>Row id (StagedRow.Of: a record in a view) → times it was committed.</summary>
    public Dictionary<int, int> Rows { get; } = [];

    public long CommittedEpoch(int partition) => _committed.GetValueOrDefault(partition);

    /// <summary>Commits one epoch's rows of a partition; false when it was committed before (nothing written).</summary>
    public bool Commit(int partition, long epoch, IEnumerable<int> recordIds)
    {
        if (epoch <= CommittedEpoch(partition))
        {
            return false;
        }

        foreach (var id in recordIds)
        {
            Rows[id] = Rows.GetValueOrDefault(id) + 1;
        }

        _committed[partition] = epoch;
        return true;
    }
}
