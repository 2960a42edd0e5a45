namespace KinesisGrains.Sinks.Delta;

/// <summary>An object under a table's root: its path relative to the root (an S3 key suffix, not URI-encoded), size and S3 LastModified.</summary>
internal sealed record DeltaStoredObject(string Path, long Size, DateTimeOffset LastModified);
