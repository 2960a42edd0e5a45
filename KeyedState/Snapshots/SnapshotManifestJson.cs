using System.Text.Json;
using System.Text.Json.Serialization;

namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>Reads and writes manifests, and checks one before anything is restored from it.</summary>
internal static class SnapshotManifestJson
{
    public static string Serialize(SnapshotManifest manifest) =>
        JsonSerializer.Serialize(manifest, SnapshotJsonContext.Default.SnapshotManifest);

    /// <summary>Parses and checks a manifest read from <paramref name="objectKey"/>.</summary>
    /// <exception cref="SnapshotCorruptException">The JSON is unreadable or describes something else.</exception>
    public static SnapshotManifest Parse(string json, string objectKey, string partitionId, long snapshotId)
    {
        SnapshotManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(json, SnapshotJsonContext.Default.SnapshotManifest);
        }
        catch (JsonException exception)
        {
            throw SnapshotCorruptException.BadManifest(objectKey, "it is not valid manifest JSON: " + exception.Message, exception);
        }

        if (manifest is null)
        {
            throw SnapshotCorruptException.BadManifest(objectKey, "it is JSON null.");
        }

        if (manifest.PartitionId != partitionId || manifest.SnapshotId != snapshotId)
        {
            throw SnapshotCorruptException.BadManifest(
                objectKey, $"it describes snapshot {manifest.SnapshotId} of partition '{manifest.PartitionId}'.");
        }

        ThrowIfInvalid(manifest, objectKey);
        return manifest;
    }

    /// <summary>Checks what restore relies on; a hand-made or tampered manifest must not write outside the target folder.</summary>
    public static void ThrowIfInvalid(SnapshotManifest manifest, string objectKey)
    {
        if (manifest.FormatVersion != SnapshotManifest.CurrentFormatVersion)
        {
            throw SnapshotCorruptException.BadManifest(
                objectKey, $"format version {manifest.FormatVersion} is not the {SnapshotManifest.CurrentFormatVersion} this code reads.");
        }

        if (manifest.Files is null || manifest.Files.Count == 0)
        {
            throw SnapshotCorruptException.BadManifest(objectKey, "it lists no files.");
        }

        if (manifest.Metadata is null)
        {
            throw SnapshotCorruptException.BadManifest(objectKey, "its metadata is null.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in manifest.Files)
        {
            var problem = file switch
            {
                null => "a file entry is null.",
                { Name: var name } when !SnapshotKeys.IsSafeFileName(name) => $"file name '{name}' is not a plain file name.",
                { Name: var name } when !names.Add(name) => $"file '{name}' is listed twice.",
                { ObjectKey: null or "" } => $"file '{file.Name}' has no object key.",
                { Size: < 0 } => $"file '{file.Name}' has a negative size.",
                { Sha256: var hash } when !IsSha256Hex(hash) => $"file '{file.Name}' has no valid SHA-256.",
                _ => null,
            };

            if (problem is not null)
            {
                throw SnapshotCorruptException.BadManifest(objectKey, problem);
            }
        }

        if (!names.Contains("CURRENT"))
        {
            throw SnapshotCorruptException.BadManifest(objectKey, "it has no CURRENT file, so the restored folder would not open.");
        }
    }

    private static bool IsSha256Hex(string? value) =>
        value is { Length: 64 } && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(SnapshotManifest))]
internal sealed partial class SnapshotJsonContext : JsonSerializerContext;
