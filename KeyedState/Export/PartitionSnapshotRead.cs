namespace KinesisGrains.KeyedState.Export;

/// <summary>What an offline read of one partition's snapshot found.</summary>
/// <param name="PartitionId">The partition, <c>{state}.p-00007</c>.</param>
/// <param name="SnapshotId">The snapshot read.</param>
/// <param name="CreatedAt">When the snapshot was written.</param>
/// <param name="Epoch">The barrier epoch the state was vouched at; null when the manifest does not say.</param>
/// <param name="Covered">Per shard, the position the state holds everything up to (the manifest's <c>covered:</c> entries).</param>
/// <param name="Keys">Keys handed to the caller.</param>
/// <param name="ExpiredKeys">Keys left out because their time-to-live ran out (a query would not see them).</param>
/// <param name="Watermark">The partition's event-time watermark (Unix ms) in the snapshot; null before any event time.</param>
public sealed record PartitionSnapshotRead(
    string PartitionId,
    long SnapshotId,
    DateTimeOffset CreatedAt,
    long? Epoch,
    IReadOnlyDictionary<string, string> Covered,
    long Keys,
    long ExpiredKeys,
    long? Watermark);
