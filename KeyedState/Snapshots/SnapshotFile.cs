namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>One file of a snapshot: where it goes in the restored DB folder and where it lives in S3.</summary>
internal sealed class SnapshotFile
{
    /// <summary>The file's name in the checkpoint folder (no directory part).</summary>
    public required string Name { get; init; }

    /// <summary>The full S3 key of the file's content.</summary>
    public required string ObjectKey { get; init; }

    public required long Size { get; init; }

    /// <summary>SHA-256 of the content, lowercase hex; checked on every restore.</summary>
    public required string Sha256 { get; init; }
}
