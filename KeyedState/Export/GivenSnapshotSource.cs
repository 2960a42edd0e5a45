namespace KinesisGrains.KeyedState.Export;

/// <summary>One snapshot id for every partition read (ids are per partition: meant for reading one partition).</summary>
public sealed class GivenSnapshotSource(long snapshotId) : IStateSnapshotSource
{
    /// <inheritdoc/>
    public string Description => $"snapshot {snapshotId}";

    /// <inheritdoc/>
    public Task<long?> SnapshotOfAsync(string partitionId, CancellationToken cancellationToken) => Task.FromResult<long?>(snapshotId);
}
