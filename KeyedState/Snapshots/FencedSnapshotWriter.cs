using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// The one snapshot writer of a partition, fenced by an <see cref="ISnapshotFence"/> pointer: made by
/// <see cref="AcquireAsync"/> (which fences every earlier writer of the partition), it restores the pointer's latest
/// committed snapshot, and commits new ones: reserve an id from the pointer, upload the files (content-addressed or
/// under the new id: harmless to a concurrent writer), write the manifest, then move the pointer to it with a
/// conditional write (this writer's token, and the latest it knows). A writer that a newer one replaced gets a
/// <see cref="SnapshotFencedException"/> from then on, and never prunes.
/// </summary>
/// <remarks>
/// Thread-safe; commits and prunes of one writer run one at a time, in call order.
/// Why a fenced writer's prune cannot hurt the new writer: prune first reads the pointer and stops unless this writer
/// still holds it; between that read and the deletes, the new writer can only have committed manifests that name files
/// of the snapshot it restored (retained, so kept) or files it uploaded since (younger than the grace period, so kept).
/// </remarks>
internal sealed class FencedSnapshotWriter
{
    // How soon a listing prune that failed is tried again (at most the grace period).
    private static readonly TimeSpan ListingRetry = TimeSpan.FromMinutes(1);

    private readonly S3SnapshotStore _store;
    private readonly ISnapshotFence _fence;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IReadOnlyList<long> _restoreCandidates;
    private readonly long _minimumId;
    private readonly HashSet<long> _dropped = [];
    private IReadOnlyList<long> _retained;
    private long _latest;
    private volatile bool _fenced;

    // The first prune of a writer lists the partition (leftovers of earlier writers); later ones delete the snapshots
    // that left the retained list by id, and list again only once per grace period (nothing younger can go anyway).
    private DateTime _nextListingPrune = DateTime.MinValue;
    private Task _pruning = Task.CompletedTask;

    private FencedSnapshotWriter(
        S3SnapshotStore store, ISnapshotFence fence, ILogger logger, string partitionId, long token, long latest,
        IReadOnlyList<long> retained, IReadOnlyList<long> restoreCandidates, long minimumId)
    {
        _store = store;
        _fence = fence;
        _logger = logger;
        PartitionId = partitionId;
        WriterToken = token;
        _latest = latest;
        _retained = retained;
        _restoreCandidates = restoreCandidates;
        _minimumId = minimumId;
    }

    public string PartitionId { get; }

    /// <summary>This writer's fencing token.</summary>
    public long WriterToken { get; }

    /// <summary>The latest committed snapshot as this writer knows it (its own last commit, or the one it found); 0: none.</summary>
    public long LatestSnapshotId => Interlocked.Read(ref _latest);

    /// <summary>The committed snapshots prune keeps, ascending.</summary>
    public IReadOnlyList<long> RetainedSnapshotIds => Volatile.Read(ref _retained);

    /// <summary>True once a reserve, commit or prune found that a newer writer holds the partition.</summary>
    public bool IsFenced => _fenced;

    /// <summary>
    /// Becomes the partition's writer, fencing every earlier one. A partition whose pointer has never handed out an id
    /// but whose S3 folder holds manifests (written before snapshots were fenced) adopts those as committed.
    /// </summary>
    public static async Task<FencedSnapshotWriter> AcquireAsync(
        S3SnapshotStore store, ISnapshotFence fence, string partitionId, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(fence);
        SnapshotKeys.ValidatePartitionId(partitionId);
        logger ??= NullLogger.Instance;
        var pointer = await fence.AcquireAsync(partitionId, cancellationToken).ConfigureAwait(false);
        if (pointer.LatestSnapshotId > 0)
        {
            // The newest committed first, then older retained ones: the only way out when it is missing or corrupt.
            var candidates = pointer.RetainedSnapshotIds.Where(id => id < pointer.LatestSnapshotId).OrderDescending().Prepend(pointer.LatestSnapshotId).ToList();
            var retained = pointer.RetainedSnapshotIds.Contains(pointer.LatestSnapshotId)
                ? pointer.RetainedSnapshotIds
                : [.. pointer.RetainedSnapshotIds.Append(pointer.LatestSnapshotId).Order()];
            return new FencedSnapshotWriter(store, fence, logger, partitionId, pointer.WriterToken, pointer.LatestSnapshotId, retained, candidates, 0);
        }

        if (pointer.LastReservedId == 0)
        {
            // No writer ever reserved an id through the pointer, so every listed manifest predates it: adopt them.
            var listed = await store.ListSnapshotIdsAsync(partitionId, cancellationToken).ConfigureAwait(false);
            if (listed.Count > 0)
            {
                SnapshotLog.AdoptingListed(logger, partitionId, listed.Count, listed[^1]);
                var retained = listed.Skip(Math.Max(0, listed.Count - store.SnapshotsToRetain)).ToList();
                return new FencedSnapshotWriter(store, fence, logger, partitionId, pointer.WriterToken, 0, retained, [.. listed.Reverse()], listed[^1]);
            }
        }

        // Ids were handed out but nothing was committed: any manifest in S3 belongs to a writer that never committed.
        return new FencedSnapshotWriter(store, fence, logger, partitionId, pointer.WriterToken, 0, [], [], 0);
    }

    /// <summary>
    /// Restores the latest committed snapshot into <paramref name="targetDirectory"/>, or, when it is missing or
    /// corrupt, an older retained one: then <see cref="SnapshotRestoreResult.IsFallback"/> is true, with the skipped
    /// ids and reasons, a warning in the log and <c>kgrains.state.snapshot_fallbacks</c> counted. Null when nothing
    /// was ever committed.
    /// </summary>
    /// <exception cref="SnapshotCorruptException">Snapshots were committed but none can be restored.</exception>
    public Task<SnapshotRestoreResult?> RestoreAsync(string targetDirectory, string? localCacheDirectory = null, CancellationToken cancellationToken = default) =>
        _store.RestoreNewestAsync(PartitionId, _restoreCandidates, targetDirectory, localCacheDirectory, cancellationToken);

    /// <summary>
    /// Uploads the checkpoint in <paramref name="checkpointDirectory"/> as a new snapshot and makes it the partition's
    /// latest, and returns once it is committed; a prune follows in the background (<see cref="Pruning"/>; a failure is
    /// logged: the snapshot is committed). Safe to run off the grain's turn: it reads only the checkpoint folder.
    /// </summary>
    /// <exception cref="SnapshotFencedException">A newer writer holds the partition; nothing was committed.</exception>
    public async Task<SnapshotUploadResult> CommitAsync(
        string checkpointDirectory, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfFenced("commit a snapshot");
            var id = await Fenced(() => _fence.ReserveIdAsync(PartitionId, WriterToken, _minimumId, cancellationToken)).ConfigureAwait(false);
            var upload = await _store.UploadAsync(PartitionId, checkpointDirectory, id, metadata, cancellationToken).ConfigureAwait(false);
            var retained = RetainedSnapshotIds.Append(id).Distinct().Order().ToList();
            retained = retained.Skip(Math.Max(0, retained.Count - _store.SnapshotsToRetain)).ToList();
            await Fenced(() => _fence.CommitAsync(PartitionId, WriterToken, LatestSnapshotId, id, retained, cancellationToken)).ConfigureAwait(false);
            _dropped.UnionWith(RetainedSnapshotIds.Except(retained));
            Interlocked.Exchange(ref _latest, id);
            Volatile.Write(ref _retained, retained);

            // Committed: the caller (a checkpoint barrier) need not wait for the prune, which may meet a slow or hung
            // S3 for as long as its retries last. It runs next, before any later commit of this writer.
            Volatile.Write(ref _pruning, PruneAfterCommitAsync(id));
            return upload;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The prune the last commit started (it logs its own failure); for tests and a graceful stop.</summary>
    public Task Pruning => Volatile.Read(ref _pruning);

    private async Task PruneAfterCommitAsync(long id)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await PruneCoreAsync(listing: DateTime.UtcNow >= _nextListingPrune, CancellationToken.None).ConfigureAwait(false);
        }
        catch (SnapshotFencedException)
        {
            // Committed, then replaced: the new writer prunes from now on.
        }
        catch (Exception exception)
        {
            SnapshotLog.PruneFailed(_logger, exception, PartitionId, id);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Deletes what no retained snapshot names and is older than the grace period (found by listing the partition's
    /// objects), if this writer still holds the partition. Commits prune on their own, listing only now and then.
    /// </summary>
    /// <exception cref="SnapshotFencedException">A newer writer holds the partition; nothing was deleted.</exception>
    public async Task<SnapshotPruneResult> PruneAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await PruneCoreAsync(listing: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <param name="listing">
    /// Also list the partition's objects and delete every unreferenced one older than the grace period; otherwise only
    /// the committed snapshots that left the retained list are deleted, by id (the pointer is the truth of which
    /// manifests exist; a listing costs a request per 1,000 objects and grows with the grace period).
    /// </param>
    private async Task<SnapshotPruneResult> PruneCoreAsync(bool listing, CancellationToken cancellationToken)
    {
        ThrowIfFenced("prune");
        var pointer = await ReadHeldPointerAsync(cancellationToken).ConfigureAwait(false);

        // The same as this writer's list while it holds the token; the union only matters for adopted snapshots.
        // Snapshots a savepoint pinned are kept too: a pin is set only while its snapshot is latest or retained, and
        // this read comes after the commit that dropped it, so a pin set before that commit is seen here.
        var retained = pointer.RetainedSnapshotIds.Union(RetainedSnapshotIds).Union(pointer.Pins.Values).ToList();
        var result = await _store.PruneDroppedAsync(PartitionId, [.. _dropped], retained, cancellationToken).ConfigureAwait(false);
        _dropped.Clear();
        if (!listing)
        {
            return result;
        }

        // Until it succeeds, a failed listing is tried again at a later commit, not at every one.
        var grace = _store.PruneGracePeriod;
        _nextListingPrune = DateTime.UtcNow + (grace < ListingRetry ? grace : ListingRetry);
        // Checked again between listing and deleting: a writer that took the partition meanwhile may have uploaded
        // files this listing saw unreferenced (with a short grace period, old enough to delete).
        var listed = await _store.PruneAsync(PartitionId, retained, cancellationToken, ReadHeldPointerAsync).ConfigureAwait(false);
        _nextListingPrune = DateTime.UtcNow + grace;
        return listed;
    }

    /// <summary>The partition's pointer row, if this writer still holds it.</summary>
    /// <exception cref="SnapshotFencedException">A newer writer holds the partition.</exception>
    private async Task<SnapshotPointer> ReadHeldPointerAsync(CancellationToken cancellationToken)
    {
        var pointer = await _fence.ReadAsync(PartitionId, cancellationToken).ConfigureAwait(false);
        if (pointer?.WriterToken != WriterToken)
        {
            throw MarkFenced(new SnapshotFencedException(PartitionId, WriterToken, pointer?.WriterToken, "prune",
                $"the partition's writer is now {pointer?.WriterToken.ToString() ?? "nobody"}."));
        }

        return pointer;
    }

    private async Task<T> Fenced<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (SnapshotFencedException exception)
        {
            throw MarkFenced(exception);
        }
    }

    private SnapshotFencedException MarkFenced(SnapshotFencedException exception)
    {
        if (!_fenced)
        {
            _fenced = true;
            SnapshotLog.Fenced(_logger, PartitionId, WriterToken, exception.Message);
        }

        return exception;
    }

    private void ThrowIfFenced(string operation)
    {
        if (_fenced)
        {
            throw new SnapshotFencedException(PartitionId, WriterToken, null, operation, "an earlier call found a newer writer.");
        }
    }
}
