namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>What <see cref="S3SnapshotStore.RestoreAsync"/> did to rebuild the DB folder.</summary>
/// <param name="Manifest">The snapshot restored; its <see cref="SnapshotManifest.Metadata"/> says what the state covers.</param>
/// <param name="BytesDownloaded">Bytes fetched from S3.</param>
/// <param name="FilesDownloaded">Files fetched from S3.</param>
/// <param name="FilesReused">Files already present locally (target or cache folder) with the right size and SHA-256.</param>
internal sealed record SnapshotRestoreResult(
    SnapshotManifest Manifest,
    long BytesDownloaded,
    int FilesDownloaded,
    int FilesReused,
    TimeSpan Elapsed)
{
    /// <summary>The newest committed snapshot, the one the restore was meant to bring back.</summary>
    public long NewestSnapshotId { get; init; } = Manifest.SnapshotId;

    /// <summary>Newer snapshots that could not be restored, newest first, each with the reason.</summary>
    public IReadOnlyList<SkippedSnapshot> Skipped { get; init; } = [];

    /// <summary>
    /// True when an older snapshot than the newest committed one was restored: the state lacks what the newer
    /// snapshots held, and its <see cref="Metadata"/> (not the newest's) says how far it covers its sources.
    /// </summary>
    public bool IsFallback => Manifest.SnapshotId != NewestSnapshotId;

    /// <summary>The restored snapshot's metadata (the coverage its writer stored with it).</summary>
    public IReadOnlyDictionary<string, string> Metadata => Manifest.Metadata;
}

/// <summary>A snapshot a restore passed over, and why (missing or corrupt manifest or file).</summary>
internal sealed record SkippedSnapshot(long SnapshotId, string Reason);
