using System.Text.Json;
using System.Text.Json.Serialization;

namespace KinesisGrains.Cli.Rescaling;

/// <summary>
/// A rescale between its two steps, recorded in the lease table's facts row: every new partition's snapshot is in S3,
/// and the pointers and the partition count fact are still the old ones. Running the rescale again finishes it.
/// </summary>
/// <param name="From">The partition count the snapshots were cut from.</param>
/// <param name="To">The partition count they were cut for.</param>
/// <param name="Snapshots">Per new partition id, its snapshot's id.</param>
internal sealed record PendingRescale(int From, int To, IReadOnlyDictionary<string, long> Snapshots)
{
    /// <summary>For a reset that keeps the state (From = To): the shards read from <see cref="Position"/> afterwards.</summary>
    public IReadOnlyList<string>? ResetShards { get; init; }

    /// <summary>The reset shards' new checkpoint: TRIM_HORIZON or AT_TIMESTAMP (LATEST is written as the reset's time).</summary>
    public string? Position { get; init; }

    /// <summary>With AT_TIMESTAMP: the time.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>
    /// For a live reset that clears the state: the shards that keep their position, whose checkpoints become their
    /// origins (the empty state owes nothing before them). Its <see cref="Snapshots"/> are all 0: no snapshot to restore.
    /// </summary>
    public IReadOnlyList<string>? ReoriginShards { get; init; }

    /// <summary>A live reset's: the application's input resumes in the write that completes it.</summary>
    public bool ResumesInput { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, RescaleJsonContext.Default.PendingRescale);

    public static PendingRescale FromJson(string json) =>
        JsonSerializer.Deserialize(json, RescaleJsonContext.Default.PendingRescale) ?? throw new InvalidDataException("The pending rescale record is empty.");
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PendingRescale))]
internal sealed partial class RescaleJsonContext : JsonSerializerContext;
