using Orleans.Concurrency;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// The one writer of a Delta sink's table in the cluster (keyed by the sink's name): group commit. Calls that arrive
/// while a commit is in flight go together into the next one, so one barrier's partitions make one or two table
/// versions, not one each. Interleaving is the point: every method may run while a commit awaits S3.
/// </summary>
internal interface IDeltaCommitterGrain : IGrainWithStringKey
{
    /// <summary>Commits <paramref name="part"/> (with the others gathered meanwhile) unless its appId has its version already.</summary>
    [AlwaysInterleave]
    Task<DeltaPartOutcome> CommitAsync(DeltaTableDefinition definition, DeltaTxnPart part);

    /// <summary>The latest txn version of <paramref name="appId"/> after reading the table's newest commits; null when it never committed.</summary>
    /// <param name="definition">The rows' table, or null to look the table up as it is (a partition asking before it has rows).</param>
    [AlwaysInterleave]
    Task<long?> GetTxnVersionAsync(DeltaTableDefinition? definition, string appId);

    /// <summary>
    /// Commits a merge table's <paramref name="part"/> (with the other merge parts gathered meanwhile; different
    /// partitions own disjoint files): <see cref="DeltaMergeStatus.Stale"/> when its buckets changed since the files it
    /// read, and the caller prepares it again from the outcome's files.
    /// </summary>
    [AlwaysInterleave]
    Task<DeltaMergeOutcome> CommitMergeAsync(DeltaTableDefinition definition, DeltaMergePart part);

    /// <summary>The txn version of <paramref name="appId"/> and the live files of state partition <paramref name="partition"/> in a merge table, after reading the table's newest commits.</summary>
    [AlwaysInterleave]
    Task<DeltaPartitionFiles> GetPartitionFilesAsync(DeltaTableDefinition definition, string appId, int partition);
}
