namespace KinesisGrains.Silo.Configuration;

/// <summary>The silo's own setting in section <c>Snapshots</c>, beside the store's <c>S3SnapshotOptions</c>.</summary>
internal sealed class SnapshotBucketOptions
{
    /// <summary>Create the snapshot bucket when it does not exist (for local emulators).</summary>
    public bool CreateBucketIfMissing { get; set; }
}
