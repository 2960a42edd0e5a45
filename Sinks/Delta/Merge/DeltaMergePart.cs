namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// One bucket of a <see cref="DeltaMergePart"/>: the live files the merge read (<see cref="Base"/>, the bucket's whole
/// content then) and the files that replace them (none when the bucket became empty).
/// </summary>
/// <param name="Base">add.paths of the files read; the commit removes them, and refuses the part unless they are still exactly the bucket's live files.</param>
/// <param name="Adds">The bucket's new files, tagged with the (partition, bucket): one per partition value.</param>
[GenerateSerializer, Immutable]
internal sealed record DeltaMergeBucket([property: Id(0)] int Bucket, [property: Id(1)] IReadOnlyList<string> Base, [property: Id(2)] IReadOnlyList<DeltaAddFile> Adds);

/// <summary>
/// One state partition's epoch merged into a merge table, ready to commit: under the txn (<see cref="AppId"/>,
/// <see cref="Version"/>), the buckets its rows touched. Made by <see cref="DeltaMergeWriter.PrepareAsync"/> from the
/// partition's live files of some snapshot; <see cref="DeltaTable.CommitMergeAsync"/> commits it only if those files are
/// still the buckets' live files, else it is <see cref="DeltaMergeStatus.Stale"/> and must be prepared again.
/// </summary>
/// <param name="Buckets">Only the buckets the rows fall in; none for an epoch without rows (the txn alone records it).</param>
/// <param name="Rows">The epoch's changelog rows (upserts and deletions), for metrics.</param>
/// <param name="RowsWritten">Rows the new files hold (the touched buckets' live keys): the copy-on-write cost.</param>
[GenerateSerializer, Immutable]
internal sealed record DeltaMergePart(
    [property: Id(0)] string AppId, [property: Id(1)] long Version, [property: Id(2)] int Partition, [property: Id(3)] IReadOnlyList<DeltaMergeBucket> Buckets,
    [property: Id(4)] int Rows = 0, [property: Id(5)] long RowsWritten = 0)
{
    /// <summary>Every file this part uploaded.</summary>
    public IEnumerable<DeltaAddFile> Adds => Buckets.SelectMany(b => b.Adds);
}

/// <summary>What became of a <see cref="DeltaMergePart"/>.</summary>
internal enum DeltaMergeStatus
{
    /// <summary>In the table now, at <see cref="DeltaMergeOutcome.TableVersion"/>.</summary>
    Committed,

    /// <summary>Its txn version was in the table before: nothing of it was committed (its uploads were deleted).</summary>
    AlreadyCommitted,

    /// <summary>
    /// Another writer changed one of its buckets since the files it read (a lost race): nothing of it was committed (its
    /// uploads were deleted). Prepare it again from <see cref="DeltaMergeOutcome.PartitionFiles"/>.
    /// </summary>
    Stale,
}

/// <param name="TableVersion">The version this call committed the part in; null unless <see cref="DeltaMergeStatus.Committed"/>.</param>
/// <param name="PartitionFiles">The partition's live files once the call was done (the base of its next epoch, or of the redo of a stale part).</param>
[GenerateSerializer, Immutable]
internal sealed record DeltaMergeOutcome(
    [property: Id(0)] string AppId, [property: Id(1)] long Version, [property: Id(2)] DeltaMergeStatus Status, [property: Id(3)] long? TableVersion,
    [property: Id(4)] IReadOnlyList<DeltaAddFile> PartitionFiles);

/// <summary>What <see cref="DeltaTable.CommitMergeAsync"/> did.</summary>
/// <param name="Version">The version it wrote; null when no part could be committed.</param>
/// <param name="Outcomes">One per part, in the parts' order.</param>
/// <param name="Attempts">Versions tried (more than 1 after lost races).</param>
internal sealed record DeltaMergeCommitResult(long? Version, IReadOnlyList<DeltaMergeOutcome> Outcomes, int Attempts);

/// <summary>What <see cref="DeltaTable.MergeAsync"/> did.</summary>
/// <param name="Version">The version the epoch went into; null when it had been committed before.</param>
/// <param name="Redos">Times the merge was read and written again because another writer had changed its buckets.</param>
/// <param name="Removed">Files the commit removed.</param>
/// <param name="Added">Files the commit added.</param>
internal sealed record DeltaMergeResult(long? Version, DeltaMergeStatus Status, int Attempts, int Redos, int Removed, int Added, long RowsWritten);

/// <summary>Where a state partition stands in a merge table: its txn version and its live files.</summary>
[GenerateSerializer, Immutable]
internal sealed record DeltaPartitionFiles([property: Id(0)] long? TxnVersion, [property: Id(1)] IReadOnlyList<DeltaAddFile> Files);
