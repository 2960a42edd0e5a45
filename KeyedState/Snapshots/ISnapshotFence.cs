namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// The pointer of each partition's snapshots, kept outside S3 where writes can be conditional: the fencing token of
/// the partition's one snapshot writer, the id counter, the latest committed snapshot and the retained ones. S3 holds
/// the snapshots' files and manifests; only the pointer says which manifests are committed.
/// </summary>
/// <remarks>
/// Every change but <see cref="AcquireAsync"/> is conditional on the caller's token being the partition's current
/// one, so a writer that a newer one replaced (a deactivation Orleans stopped waiting for, a silo declared dead that
/// still runs) can no longer reserve ids or commit: those calls throw <see cref="SnapshotFencedException"/>.
/// Implementations: <see cref="DynamoDBSnapshotFence"/> across processes, <see cref="InProcessSnapshotFence"/>
/// within one process.
/// </remarks>
public interface ISnapshotFence
{
    /// <summary>
    /// Makes the caller the partition's writer: a token larger than every earlier one (the row is created when
    /// missing). Earlier tokens are fenced from here on.
    /// </summary>
    /// <returns>The pointer as this call left it; its <see cref="SnapshotPointer.WriterToken"/> is the caller's token.</returns>
    Task<SnapshotPointer> AcquireAsync(string partitionId, CancellationToken cancellationToken);

    /// <summary>The pointer as it is now (a strongly consistent read); null when the partition has none yet.</summary>
    Task<SnapshotPointer?> ReadAsync(string partitionId, CancellationToken cancellationToken);

    /// <summary>Takes the next snapshot id from the pointer's counter: unique for the partition, whoever asks.</summary>
    /// <param name="minimumId">The id returned is larger than this (snapshots written before the pointer existed keep their ids).</param>
    /// <exception cref="SnapshotFencedException"><paramref name="writerToken"/> is no longer the partition's token.</exception>
    Task<long> ReserveIdAsync(string partitionId, long writerToken, long minimumId, CancellationToken cancellationToken);

    /// <summary>
    /// Makes <paramref name="snapshotId"/> (reserved, its files and manifest written) the partition's latest snapshot,
    /// if <paramref name="writerToken"/> is still the partition's token and the latest is still
    /// <paramref name="expectedLatest"/>; <paramref name="retained"/> becomes the retained list.
    /// </summary>
    /// <exception cref="SnapshotFencedException">Either condition failed; nothing changed.</exception>
    Task<SnapshotPointer> CommitAsync(
        string partitionId, long writerToken, long expectedLatest, long snapshotId, IReadOnlyList<long> retained, CancellationToken cancellationToken);
}

/// <summary>The pointer row of one partition's snapshots.</summary>
/// <param name="WriterToken">The current writer's fencing token (0: none yet).</param>
/// <param name="LatestSnapshotId">The latest committed snapshot (0: none): what a restore starts from.</param>
/// <param name="LastReservedId">The id counter: the largest id handed out (0: none).</param>
/// <param name="RetainedSnapshotIds">Committed snapshots that prune keeps, ascending; includes the latest.</param>
public sealed record SnapshotPointer(
    string PartitionId,
    long WriterToken,
    long LatestSnapshotId,
    long LastReservedId,
    IReadOnlyList<long> RetainedSnapshotIds)
{
    /// <summary>
    /// Snapshots savepoints pinned, by savepoint name: prune keeps them (and the files they name) whether retained or
    /// not, until the savepoint is deleted.
    /// </summary>
    public IReadOnlyDictionary<string, long> Pins { get; init; } = new Dictionary<string, long>(StringComparer.Ordinal);
}
