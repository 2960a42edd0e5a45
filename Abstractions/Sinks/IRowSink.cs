namespace KinesisGrains.Abstractions.Sinks;

/// <summary>
/// A configured sink (<c>Sinks:{name}</c>): takes the durable rows of one output of one keyed state and commits them
/// per partition and epoch. One instance per silo, shared by every partition of the state; calls for different
/// partitions run concurrently, calls for one partition come one at a time in epoch order.
/// </summary>
public interface IRowSink
{
    /// <summary>The sink's configured name.</summary>
    string Name { get; }

    /// <summary>The keyed state (<c>StateName</c>) whose rows it takes.</summary>
    string StateName { get; }

    /// <summary>Which rows of the state it takes: the emitted rows or the changelog.</summary>
    SinkOutputKind Output { get; }

    /// <summary>How it commits, for progress records (e.g. <c>DeltaSink[s3://bucket/path]</c>).</summary>
    string Description { get; }

    /// <summary>
    /// At most one commit per partition this often (<c>Sinks:{name}:CommitInterval</c>): the rows of the epochs in
    /// between wait staged in the partition's store and go over as one batch (bigger files, fewer versions, more lag).
    /// Zero (the default): a commit at every checkpoint barrier.
    /// </summary>
    TimeSpan CommitInterval => TimeSpan.Zero;

    /// <summary>
    /// Commits <paramref name="batch"/>: at most once per (state, partition, epoch) for a transactional sink (an
    /// epoch at or below the partition's last committed one is skipped), at least once otherwise. Throws when it
    /// could not: the partition keeps the rows staged and hands them over again later.
    /// </summary>
    Task<SinkCommitResult> CommitAsync(SinkEpochBatch batch, CancellationToken cancellationToken);

    /// <summary>
    /// The newest epoch of <paramref name="partition"/> it committed, or null when it keeps none (an at-least-once
    /// sink). A partition restored from a snapshot older than that epoch (the newest was lost or corrupt) numbers its
    /// next epochs above it, so their rows are not skipped as committed.
    /// </summary>
    Task<long?> CommittedEpochAsync(int partition, CancellationToken cancellationToken);
}
