namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>What <see cref="S3SnapshotStore.PruneAsync(string, CancellationToken)"/> deleted.</summary>
/// <param name="DeletedSnapshotIds">Snapshots whose manifests were deleted, oldest first.</param>
/// <param name="ObjectsDeleted">Every object deleted, manifests included.</param>
internal sealed record SnapshotPruneResult(
    IReadOnlyList<long> DeletedSnapshotIds,
    IReadOnlyList<long> RetainedSnapshotIds,
    int ObjectsDeleted,
    long BytesDeleted)
{
    /// <summary>Unreferenced objects kept because they are younger than the grace period (an upload not committed yet, perhaps).</summary>
    public int ObjectsKeptYoung { get; init; }
}
