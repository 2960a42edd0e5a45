namespace KinesisGrains.KeyedState.Export;

/// <summary>
/// Which snapshot of each partition an offline read takes: the latest committed one (<see cref="LatestSnapshotSource"/>),
/// one given by id (<see cref="GivenSnapshotSource"/>), or, later, the snapshots a savepoint names.
/// </summary>
public interface IStateSnapshotSource
{
    /// <summary>How the source chooses, for messages and summaries (<c>latest</c>, <c>snapshot 42</c>).</summary>
    string Description { get; }

    /// <summary>The snapshot to read of <paramref name="partitionId"/> (<c>{state}.p-00007</c>); null when the partition has none.</summary>
    Task<long?> SnapshotOfAsync(string partitionId, CancellationToken cancellationToken);
}
