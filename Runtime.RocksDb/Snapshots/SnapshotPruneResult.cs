namespace KinesisGrains.RocksDb.Snapshots;

/// <summary>What <see cref="S3SnapshotStore.PruneAsync"/> deleted.</summary>
/// <param name="DeletedSnapshotIds">Snapshots whose manifests were deleted, oldest first.</param>
/// <param name="ObjectsDeleted">Every object deleted, manifests included.</param>
public sealed record SnapshotPruneResult(
    IReadOnlyList<long> DeletedSnapshotIds,
    IReadOnlyList<long> RetainedSnapshotIds,
    int ObjectsDeleted,
    long BytesDeleted);
