namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>What <see cref="S3SnapshotStore.UploadAsync"/> wrote.</summary>
/// <param name="BytesUploaded">Bytes of checkpoint files sent to S3 (the manifest not counted).</param>
/// <param name="FilesUploaded">Checkpoint files sent to S3.</param>
/// <param name="FilesReused">Shared SST files already in S3 and referenced without a transfer.</param>
internal sealed record SnapshotUploadResult(
    SnapshotManifest Manifest,
    long BytesUploaded,
    int FilesUploaded,
    int FilesReused,
    TimeSpan Elapsed);
