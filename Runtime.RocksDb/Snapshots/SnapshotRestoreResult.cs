namespace KinesisGrains.RocksDb.Snapshots;

/// <summary>What <see cref="S3SnapshotStore.RestoreAsync"/> did to rebuild the DB folder.</summary>
/// <param name="BytesDownloaded">Bytes fetched from S3.</param>
/// <param name="FilesDownloaded">Files fetched from S3.</param>
/// <param name="FilesReused">Files already present locally (target or cache folder) with the right size and SHA-256.</param>
public sealed record SnapshotRestoreResult(
    SnapshotManifest Manifest,
    long BytesDownloaded,
    int FilesDownloaded,
    int FilesReused,
    TimeSpan Elapsed);
