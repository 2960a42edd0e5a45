namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// The S3 layout of one partition's snapshots:
/// <c>{prefix}/{partition}/shared/{sst stem}-{16 hex of sha256}.sst</c> for immutable SST (and blob) files, content-addressed
/// because two silos restoring the same snapshot may each write a different 000123.sst;
/// <c>{prefix}/{partition}/private/{snapshot:D20}/{name}</c> for the other checkpoint files (MANIFEST, CURRENT, OPTIONS, WAL);
/// <c>{prefix}/{partition}/manifests/{snapshot:D20}.json</c> for manifests, so a listing sorts them by id.
/// </summary>
internal sealed class SnapshotKeys
{
    private const int MaxPartitionIdLength = 200;
    private readonly string _root;

    public SnapshotKeys(string prefix) => _root = prefix.Length == 0 ? "" : prefix + "/";

    public string Partition(string partitionId) => $"{_root}{partitionId}/";

    public string Manifests(string partitionId) => Partition(partitionId) + "manifests/";

    public string Manifest(string partitionId, long snapshotId) => $"{Manifests(partitionId)}{snapshotId:D20}.json";

    public string Shared(string partitionId, string fileName, string sha256) =>
        $"{Partition(partitionId)}shared/{Path.GetFileNameWithoutExtension(fileName)}-{sha256[..16]}{Path.GetExtension(fileName)}";

    public string Private(string partitionId, long snapshotId, string fileName) =>
        $"{Partition(partitionId)}private/{snapshotId:D20}/{fileName}";

    public static bool TryParseManifestId(string manifestsPrefix, string key, out long snapshotId)
    {
        snapshotId = 0;
        if (!key.StartsWith(manifestsPrefix, StringComparison.Ordinal) || !key.EndsWith(".json", StringComparison.Ordinal))
        {
            return false;
        }

        var digits = key.AsSpan(manifestsPrefix.Length, key.Length - manifestsPrefix.Length - ".json".Length);
        return digits.Length == 20 && long.TryParse(digits, System.Globalization.NumberStyles.None, null, out snapshotId);
    }

    /// <summary>SST and blob files never change once written, so a snapshot can share them with earlier ones.</summary>
    public static bool IsShared(string fileName) =>
        fileName.EndsWith(".sst", StringComparison.Ordinal) || fileName.EndsWith(".blob", StringComparison.Ordinal);

    /// <summary>A plain file name: restore writes it into the target folder, so it must not climb out of it.</summary>
    public static bool IsSafeFileName(string? name) =>
        !string.IsNullOrEmpty(name) && name is not ("." or "..") && name.IndexOfAny(['/', '\\', '\0']) < 0;

    public static void ValidatePartitionId(string partitionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(partitionId);

        // It becomes a key segment: no '/', nothing that needs escaping in a URL or a listing.
        if (partitionId.Length > MaxPartitionIdLength
            || partitionId is "." or ".."
            || partitionId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            throw new ArgumentException(
                $"Partition id '{partitionId}' must be 1 to {MaxPartitionIdLength} ASCII letters, digits, '-', '_' or '.'.",
                nameof(partitionId));
        }
    }
}
