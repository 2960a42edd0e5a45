namespace KinesisGrains.KeyedState.Export;

/// <summary>
/// One partition's snapshot downloaded into a folder of its own by <see cref="OfflineStateReader.DownloadAsync"/>
/// (every file checked), ready to read; disposing it deletes the folder.
/// </summary>
public sealed class DownloadedSnapshot : IDisposable
{
    internal DownloadedSnapshot(string partitionId, long snapshotId, string directory, Snapshots.SnapshotManifest manifest)
    {
        PartitionId = partitionId;
        SnapshotId = snapshotId;
        Directory = directory;
        Manifest = manifest;
    }

    /// <summary>The partition, <c>{state}.p-00007</c>.</summary>
    public string PartitionId { get; }

    /// <summary>The snapshot downloaded.</summary>
    public long SnapshotId { get; }

    internal string Directory { get; }

    internal Snapshots.SnapshotManifest Manifest { get; }

    /// <summary>Deletes the downloaded files.</summary>
    public void Dispose() => OfflineStateReader.DeleteDirectory(Directory);
}
