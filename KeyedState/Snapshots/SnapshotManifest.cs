using System.Text.Json.Serialization;

namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// The description of one snapshot of one partition: every file of a RocksDB checkpoint with its size and SHA-256, and
/// the caller's metadata (the source high-water marks the state includes). Stored as JSON next to the files, and written
/// only after all of them, so a manifest that exists describes a complete snapshot.
/// </summary>
internal sealed class SnapshotManifest
{
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public required string PartitionId { get; init; }

    /// <summary>Chosen by the caller; increases with every snapshot of the partition.</summary>
    public required long SnapshotId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required IReadOnlyList<SnapshotFile> Files { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>The sum of the file sizes: the size of the restored DB folder.</summary>
    [JsonIgnore]
    public long TotalBytes => Files.Sum(file => file.Size);
}
