using Orleans;

namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// A snapshot cannot be restored because an object in S3 is missing or does not match its manifest (size or SHA-256),
/// or the manifest itself is unreadable. Retrying does not help; an older snapshot may.
/// </summary>
/// <remarks>Serializable by Orleans: it can reach a grain's caller on another silo.</remarks>
[GenerateSerializer]
internal sealed class SnapshotCorruptException : Exception
{
    public SnapshotCorruptException(
        string message,
        string objectKey,
        string? fileName = null,
        long? expectedSize = null,
        long? actualSize = null,
        string? expectedSha256 = null,
        string? actualSha256 = null,
        Exception? innerException = null)
        : base(message, innerException)
    {
        ObjectKey = objectKey;
        FileName = fileName;
        ExpectedSize = expectedSize;
        ActualSize = actualSize;
        ExpectedSha256 = expectedSha256;
        ActualSha256 = actualSha256;
    }

    /// <summary>The S3 key of the bad object.</summary>
    [Id(0)]
    public string ObjectKey { get; private set; }

    /// <summary>The checkpoint file name the object restores to; null when the manifest itself is bad.</summary>
    [Id(1)]
    public string? FileName { get; private set; }

    [Id(2)]
    public long? ExpectedSize { get; private set; }

    /// <summary>The size found in S3; null when the object is missing.</summary>
    [Id(3)]
    public long? ActualSize { get; private set; }

    [Id(4)]
    public string? ExpectedSha256 { get; private set; }

    /// <summary>The SHA-256 of the downloaded bytes; null when the size was already wrong or the object is missing.</summary>
    [Id(5)]
    public string? ActualSha256 { get; private set; }

    internal static SnapshotCorruptException Missing(SnapshotFile file, Exception? inner = null) => new(
        $"Snapshot file '{file.Name}' is missing from S3 (object '{file.ObjectKey}').",
        file.ObjectKey, file.Name, file.Size, expectedSha256: file.Sha256, innerException: inner);

    internal static SnapshotCorruptException SizeMismatch(SnapshotFile file, long actualSize) => new(
        $"Snapshot file '{file.Name}' (object '{file.ObjectKey}') has {actualSize} bytes in S3; the manifest expects {file.Size}.",
        file.ObjectKey, file.Name, file.Size, actualSize, file.Sha256);

    internal static SnapshotCorruptException HashMismatch(SnapshotFile file, string actualSha256) => new(
        $"Snapshot file '{file.Name}' (object '{file.ObjectKey}') is corrupt: SHA-256 {actualSha256}, the manifest expects {file.Sha256}.",
        file.ObjectKey, file.Name, file.Size, file.Size, file.Sha256, actualSha256);

    internal static SnapshotCorruptException BadManifest(string objectKey, string problem, Exception? inner = null) => new(
        $"Snapshot manifest '{objectKey}' is unusable: {problem}",
        objectKey, innerException: inner);
}
