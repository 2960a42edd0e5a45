using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.KeyedState.Diagnostics;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.KeyedState.Storage;

/// <summary>
/// The silo's RocksDB stores of keyed-state partitions, one per (state, partition), sharing one block cache. With
/// an S3 snapshot store, a partition opens from its newest intact snapshot (local files that match are reused, not
/// downloaded) with the WAL off, and snapshots are what make its state durable; without one, the local RocksDB with
/// its WAL is the durable state.
/// </summary>
internal sealed partial class PartitionStateStores : IDisposable
{
    private readonly PartitionStoreOptions _storeOptions;
    private readonly Task<RocksDbBlockCache> _cache;
    private readonly ILogger _logger;
    private readonly ISnapshotFence? _fence;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, PartitionStore> _open = new(StringComparer.Ordinal);

    /// <param name="fence">
    /// Fences each partition's snapshot writers (required with <paramref name="snapshots"/>): the DynamoDB pointer table
    /// when silos share the bucket; without one, an <see cref="InProcessSnapshotFence"/> fences this process only.
    /// </param>
    public PartitionStateStores(
        PartitionStoreOptions storeOptions, string stateDirectory, S3SnapshotStore? snapshots, ILogger<PartitionStateStores> logger, ISnapshotFence? fence = null)
    {
        _storeOptions = storeOptions;
        RootDirectory = Path.GetFullPath(stateDirectory);
        Snapshots = snapshots;
        _logger = logger;
        if (snapshots is not null && fence is null)
        {
            LogInProcessFence(logger);
            fence = new InProcessSnapshotFence();
        }

        _fence = fence;

        // On a thread of its own, and awaited by OpenAsync: the first RocksDB object of the process loads the native
        // library and binds its functions, 0.4 s on a quiet 2-core silo and 0.8 s on a busy one. Made synchronously
        // here, in the first partition activation (this singleton is created there unless PartitionStateStoresWarmUp
        // made it at silo start), it held every partition of the first delivery and blocked their thread-pool threads
        // waiting for the singleton (".NET Thread Pool execution stalled for 1.2 s"), receivers and agents included.
        var blockCacheBytes = storeOptions.BlockCacheBytes;
        _cache = Task.Factory.StartNew(
            () => new RocksDbBlockCache(blockCacheBytes), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Directory.CreateDirectory(RootDirectory);
    }

    public S3SnapshotStore? Snapshots { get; }

    /// <summary>Where the partitions' RocksDB folders live.</summary>
    public string RootDirectory { get; }

    /// <summary>The partition stores open on this silo (the partitions active here), in partition order.</summary>
    public IReadOnlyList<PartitionStore> OpenStores => _open.Values.OrderBy(s => s.PartitionId, StringComparer.Ordinal).ToList();

    /// <summary>The S3 name of a partition's snapshots: the state's name and the partition number.</summary>
    public static string PartitionIdOf(string stateName, int partition) => $"{stateName}.p-{partition:D5}";

    public string DirectoryOf(string stateName, int partition) => Path.Combine(RootDirectory, stateName, $"p-{partition:D5}");

    /// <summary>
    /// Opens a partition's store. With snapshots, first becomes the partition's only snapshot writer (fencing every
    /// earlier activation, here or on another silo) and restores its latest committed snapshot, or an older one when
    /// that is missing or corrupt: <see cref="PartitionStore.Restored"/> says which, and with what coverage.
    /// </summary>
    /// <exception cref="InvalidOperationException">The state cannot be opened (S3, DynamoDB or RocksDB failed); the message says why.</exception>
    /// <exception cref="TimeoutException">S3 or DynamoDB did not answer (in time); a later attempt may succeed.</exception>
    public async Task<PartitionStore> OpenAsync(string stateName, int partition, CancellationToken cancellationToken)
    {
        try
        {
            return await OpenCoreAsync(stateName, partition, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException and not InvalidOperationException and not SnapshotCorruptException)
        {
            // AWS and RocksDB exceptions have no Orleans codec: callers on another silo get the reason as text. S3 or
            // DynamoDB not answering (a hang, an outage) passes, so those callers get a TimeoutException: a later call
            // activates the partition again (ClusterCallRetry retries it, as it does a failover).
            var reason = $"Partition {PartitionIdOf(stateName, partition)} cannot open its state: {exception.GetType().Name}: {exception.Message}";
            throw IsUnavailable(exception) ? new TimeoutException(reason) : new InvalidOperationException(reason);
        }
    }

    private static bool IsUnavailable(Exception exception) => exception switch
    {
        TimeoutException or IOException or HttpRequestException or System.Net.Sockets.SocketException => true,
        Amazon.Runtime.AmazonServiceException service => (int)service.StatusCode is 429 or >= 500
            || (service.StatusCode == 0 && service.InnerException is { } cause && IsUnavailable(cause)),
        Amazon.Runtime.AmazonClientException client => client.InnerException is { } inner && IsUnavailable(inner),
        _ => false,
    };

    private async Task<PartitionStore> OpenCoreAsync(string stateName, int partition, CancellationToken cancellationToken)
    {
        var directory = DirectoryOf(stateName, partition);
        var partitionId = PartitionIdOf(stateName, partition);
        FencedSnapshotWriter? writer = null;
        PartitionRestore? restore = null;

        // An earlier activation of the partition in this process still holds the folder's RocksDB (and its lock) when
        // Orleans stopped waiting for its deactivation, say a hand-over upload stuck on S3, and placed the partition
        // here again. The writer acquired below fences it (its uploads can no longer be committed), so nothing it holds
        // can become durable any more: close its store rather than fail to open this one. Its calls in flight finish
        // first; later ones throw ObjectDisposedException.
        if (_open.TryGetValue(partitionId, out var earlier))
        {
            LogClosingEarlier(_logger, partitionId);
            earlier.Dispose();
        }
        if (Snapshots is { } s3)
        {
            writer = await FencedSnapshotWriter.AcquireAsync(s3, _fence!, partitionId, _logger, cancellationToken);
            var staging = directory + ".restoring";
            DeleteDirectory(staging);
            var restored = await writer.RestoreAsync(staging, Directory.Exists(directory) ? directory : null, cancellationToken);
            DeleteDirectory(directory);
            if (restored is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(directory)!);
                Directory.Move(staging, directory);
                restore = new PartitionRestore(
                    restored.Manifest.SnapshotId, restored.NewestSnapshotId, restored.Skipped, restored.Metadata, restored.FilesDownloaded, restored.FilesReused);
                LogRestored(_logger, partitionId, restored.Manifest.SnapshotId, restored.FilesDownloaded, restored.FilesReused);
                KeyedStateMetrics.PartitionRestores.Add(1);
            }
            else
            {
                DeleteDirectory(staging);
            }
        }

        // On a thread of its own: creating or opening a RocksDB blocks on file IO (fsync of the MANIFEST, CURRENT and
        // the folder) for tens to hundreds of milliseconds. Run in the activation's turn, 16 partitions activating at
        // once held every thread-pool thread of a 2-core silo for ~2 s (".NET Thread Pool execution stalled"), and
        // every receiver and pulling agent with them.
        var options = _storeOptions.ToRocksDbOptions(disableWal: Snapshots is not null);
        var cache = await _cache.WaitAsync(cancellationToken);
        var store = await Task.Factory.StartNew(
            () =>
            {
                Directory.CreateDirectory(Path.GetDirectoryName(directory)!);
                var opened = RocksDbKeyValueStore.Open(directory, options, cache);
                try
                {
                    if (KeyGroupUpgrade.Upgrade(opened) is > 0 and var moved)
                    {
                        LogUpgraded(_logger, partitionId, moved);
                    }
                }
                catch
                {
                    opened.Dispose();
                    throw;
                }

                return opened;
            },
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        var open = new PartitionStore(partitionId, store, writer, restore, closed => _open.TryRemove(new KeyValuePair<string, PartitionStore>(closed.PartitionId, closed)));
        _open[partitionId] = open;
        return open;
    }

    /// <summary>
    /// The fast, synchronous half of a checkpoint barrier, for the grain's turn. With snapshots: a RocksDB checkpoint
    /// of the store (memtables flushed, SST files hard-linked) in a folder of its own, to hand to
    /// <see cref="UploadAsync"/>. Without: the WAL is fsync'd, so everything written so far survives a host crash, and
    /// the result has nothing to upload.
    /// </summary>
    public PreparedSnapshot PrepareSnapshot(PartitionStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (Snapshots is null)
        {
            store.SyncWal();
            store.MarkPersisted(snapshot: false);
            return new PreparedSnapshot(store, null, store.NextPrepareSequence());
        }

        var sequence = store.NextPrepareSequence();
        var checkpoint = Path.Combine(RootDirectory, ".checkpoints", $"{store.PartitionId}-{sequence}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.GetDirectoryName(checkpoint)!);
        try
        {
            store.Store.CreateCheckpoint(checkpoint);
        }
        catch
        {
            DeleteDirectory(checkpoint);
            throw;
        }

        return new PreparedSnapshot(store, checkpoint, sequence);
    }

    /// <summary>
    /// The slow half: uploads a prepared checkpoint as the partition's next snapshot with <paramref name="metadata"/>
    /// in its manifest, commits it through the fence, prunes, and deletes the checkpoint folder. Safe on the thread
    /// pool while the grain goes on (it touches only the checkpoint folder, never the live RocksDB), and after the
    /// store is closed. Uploads of one store run one at a time; a prepared snapshot older than one already committed
    /// is dropped (null), never committed over it. Null too when there is nothing to upload (no bucket).
    /// </summary>
    /// <exception cref="SnapshotFencedException">A newer activation of the partition took over; nothing was committed.</exception>
    public async Task<SnapshotUploadResult?> UploadAsync(PreparedSnapshot prepared, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        using (prepared)
        {
            if (prepared.CheckpointDirectory is not { } checkpoint || prepared.Store.Writer is not { } writer)
            {
                return null;
            }

            var store = prepared.Store;
            await store.UploadGate.WaitAsync(cancellationToken);
            try
            {
                if (prepared.Sequence <= store.LastCommittedSequence)
                {
                    LogSuperseded(_logger, store.PartitionId, prepared.Sequence, store.LastCommittedSequence);
                    return null;
                }

                var result = await writer.CommitAsync(checkpoint, metadata, cancellationToken);
                store.LastCommittedSequence = prepared.Sequence;
                store.MarkPersisted(snapshot: true);
                return result;
            }
            finally
            {
                store.UploadGate.Release();
            }
        }
    }

    /// <summary>
    /// Makes the store durable, both halves at once (<see cref="PrepareSnapshot"/> then <see cref="UploadAsync"/>):
    /// with snapshots, a checkpoint uploaded to S3 and committed; without, the WAL fsync'd.
    /// </summary>
    /// <exception cref="SnapshotFencedException">A newer activation of the partition took over; nothing was committed.</exception>
    public Task<SnapshotUploadResult?> PersistAsync(PartitionStore store, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) =>
        UploadAsync(PrepareSnapshot(store), metadata, cancellationToken);

    /// <summary>
    /// Completes once RocksDB's native library is loaded and the shared block cache exists (started by the constructor,
    /// on a thread of its own); faults if the library cannot be loaded. Opening a store waits for it too.
    /// </summary>
    public Task WarmUpAsync() => _cache;

    public void Dispose()
    {
        // Waits for a cache still being created (a silo stopped during start-up); one that failed has nothing to free.
        ((Task)_cache).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
        if (_cache.IsCompletedSuccessfully)
        {
            _cache.Result.Dispose();
        }

        Snapshots?.Dispose();
        (_fence as IDisposable)?.Dispose();
    }

    internal static void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {PartitionId}: {Keys} store key(s) written before key groups moved to their key group (once)")]
    private static partial void LogUpgraded(ILogger logger, string partitionId, long keys);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {PartitionId} restored from snapshot {SnapshotId}: {Downloaded} file(s) downloaded, {Reused} reused")]
    private static partial void LogRestored(ILogger logger, string partitionId, long snapshotId, int downloaded, int reused);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {PartitionId}: an earlier activation in this process (a deactivation Orleans stopped waiting for) still holds its store; closing it for the new activation")]
    private static partial void LogClosingEarlier(ILogger logger, string partitionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Snapshots are fenced within this process only (no snapshot fence configured): silos sharing the bucket need the DynamoDB snapshot pointer table")]
    private static partial void LogInProcessFence(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Partition {PartitionId}: prepared snapshot {Sequence} dropped, snapshot {Committed} of this activation is newer and committed")]
    private static partial void LogSuperseded(ILogger logger, string partitionId, long sequence, long committed);
}

/// <summary>
/// A checkpoint taken by <see cref="PartitionStateStores.PrepareSnapshot"/>, not uploaded yet: a folder independent of
/// the live RocksDB. <see cref="PartitionStateStores.UploadAsync"/> consumes it; disposing it without an upload
/// deletes the folder.
/// </summary>
internal sealed class PreparedSnapshot : IDisposable
{
    private int _disposed;

    internal PreparedSnapshot(PartitionStore store, string? checkpointDirectory, long sequence)
    {
        Store = store;
        CheckpointDirectory = checkpointDirectory;
        Sequence = sequence;
        PreparedAt = DateTimeOffset.UtcNow;
    }

    public PartitionStore Store { get; }

    /// <summary>The checkpoint folder; null without snapshots (the WAL was synced instead, nothing to upload).</summary>
    public string? CheckpointDirectory { get; }

    /// <summary>Order of preparation within the store's activation.</summary>
    public long Sequence { get; }

    public DateTimeOffset PreparedAt { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && CheckpointDirectory is { } directory)
        {
            PartitionStateStores.DeleteDirectory(directory);
        }
    }
}

/// <summary>What a partition restored when it opened.</summary>
/// <param name="SnapshotId">The snapshot restored.</param>
/// <param name="NewestSnapshotId">The newest committed snapshot; differs from <paramref name="SnapshotId"/> after a fallback.</param>
/// <param name="Skipped">Newer snapshots that could not be restored, newest first, with the reason.</param>
/// <param name="Metadata">The restored snapshot's manifest metadata: the coverage its writer stored (keys <c>covered:…</c>).</param>
internal sealed record PartitionRestore(
    long SnapshotId,
    long NewestSnapshotId,
    IReadOnlyList<SkippedSnapshot> Skipped,
    IReadOnlyDictionary<string, string> Metadata,
    int FilesDownloaded,
    int FilesReused)
{
    /// <summary>True when an older snapshot than the newest committed one was restored (logged and counted as a fallback).</summary>
    public bool IsFallback => SnapshotId != NewestSnapshotId;
}

/// <summary>An open partition store, its snapshot writer, and when it was last made durable.</summary>
internal sealed class PartitionStore : IDisposable
{
    private readonly Action<PartitionStore>? _closed;
    private long _prepareSequence;
    private long _lastSnapshotAtTicks;
    private long _lastPersistedAtTicks;

    public PartitionStore(string partitionId, IKeyValueStore store, FencedSnapshotWriter? writer = null, PartitionRestore? restored = null, Action<PartitionStore>? closed = null)
    {
        PartitionId = partitionId;
        Store = store;
        Writer = writer;
        Restored = restored;
        _closed = closed;
    }

    public string PartitionId { get; }

    public IKeyValueStore Store { get; }

    /// <summary>This activation's fenced snapshot writer; null without snapshots.</summary>
    public FencedSnapshotWriter? Writer { get; }

    /// <summary>What the store was restored from; null when it started without a snapshot (none, or no bucket).</summary>
    public PartitionRestore? Restored { get; }

    /// <summary>The latest committed snapshot of the partition as this activation knows it; 0: none.</summary>
    public long LastSnapshotId => Writer?.LatestSnapshotId ?? 0;

    /// <summary>True once a newer activation of the partition took over its snapshots: this one can no longer commit.</summary>
    public bool IsFenced => Writer?.IsFenced ?? false;

    /// <summary>When the last S3 snapshot of this activation completed; null without snapshots or before the first.</summary>
    public DateTimeOffset? LastSnapshotAt => FromTicks(Interlocked.Read(ref _lastSnapshotAtTicks));

    /// <summary>When a checkpoint barrier last made the state durable (an S3 snapshot, or the WAL fsync'd without a bucket).</summary>
    public DateTimeOffset? LastPersistedAt => FromTicks(Interlocked.Read(ref _lastPersistedAtTicks));

    internal SemaphoreSlim UploadGate { get; } = new(1, 1);

    internal long LastCommittedSequence { get; set; }

    /// <summary>RocksDB's size figures: estimated keys (marks included) and bytes on disk plus in memtables; null once closed.</summary>
    public PartitionStoreSize? Size()
    {
        if (Store is not RocksDbKeyValueStore rocks)
        {
            return null;
        }

        try
        {
            var database = rocks.Database;
            var keys = database.GetIntProperty("rocksdb.estimate-num-keys") ?? 0;
            var bytes = (database.GetIntProperty("rocksdb.total-sst-files-size") ?? 0) + (database.GetIntProperty("rocksdb.cur-size-all-mem-tables") ?? 0);
            return new PartitionStoreSize((long)keys, (long)bytes);
        }
        catch (ObjectDisposedException)
        {
            // Deactivated between the listing and this read.
            return null;
        }
    }

    /// <summary>
    /// Fsyncs the store's WAL: every write so far survives a host crash. A store that is not RocksDB has no WAL here
    /// (nothing to do).
    /// </summary>
    public void SyncWal()
    {
        if (Store is RocksDbKeyValueStore rocks)
        {
            rocks.SyncWal();
        }
    }

    public void Dispose()
    {
        _closed?.Invoke(this);
        Store.Dispose();
    }

    internal long NextPrepareSequence() => Interlocked.Increment(ref _prepareSequence);

    internal void MarkPersisted(bool snapshot)
    {
        var now = DateTimeOffset.UtcNow.UtcTicks;
        Interlocked.Exchange(ref _lastPersistedAtTicks, now);
        if (snapshot)
        {
            Interlocked.Exchange(ref _lastSnapshotAtTicks, now);
        }
    }

    private static DateTimeOffset? FromTicks(long ticks) => ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
}

/// <summary>A partition store's size as RocksDB estimates it.</summary>
internal readonly record struct PartitionStoreSize(long EstimatedKeys, long Bytes);
