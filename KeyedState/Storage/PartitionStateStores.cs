using KinesisGrains.RocksDb;
using KinesisGrains.RocksDb.Snapshots;
using KinesisGrains.RocksDb.Storage;
using KinesisGrains.Runtime.Diagnostics;
using KinesisGrains.Runtime.Storage;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.KeyedState.Storage;

/// <summary>
/// The silo's RocksDB stores of keyed-state partitions, one per (state, partition), sharing one block cache. With
/// an S3 snapshot store, a partition opens from its newest intact snapshot (local files that match are reused, not
/// downloaded) with the WAL off, and snapshots are what make its state durable; without one, the local RocksDB with
/// its WAL is the durable state.
/// </summary>
public sealed partial class PartitionStateStores : IDisposable
{
    private readonly PartitionStoreOptions _storeOptions;
    private readonly RocksDbBlockCache _cache;
    private readonly ILogger _logger;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, PartitionStore> _open = new(StringComparer.Ordinal);

    public PartitionStateStores(PartitionStoreOptions storeOptions, string stateDirectory, S3SnapshotStore? snapshots, ILogger<PartitionStateStores> logger)
    {
        _storeOptions = storeOptions;
        RootDirectory = Path.GetFullPath(stateDirectory);
        Snapshots = snapshots;
        _logger = logger;
        _cache = new RocksDbBlockCache(storeOptions.BlockCacheBytes);
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

    /// <summary>Opens a partition's store, restoring it from its newest snapshot first when snapshots are on.</summary>
    public async Task<PartitionStore> OpenAsync(string stateName, int partition, CancellationToken cancellationToken)
    {
        var directory = DirectoryOf(stateName, partition);
        var partitionId = PartitionIdOf(stateName, partition);
        long lastSnapshotId = 0;
        if (Snapshots is { } s3)
        {
            var known = await s3.ListSnapshotIdsAsync(partitionId, cancellationToken);
            lastSnapshotId = known.Count > 0 ? known[^1] : 0;
            var staging = directory + ".restoring";
            DeleteDirectory(staging);
            var restored = await s3.RestoreLatestAsync(partitionId, staging, Directory.Exists(directory) ? directory : null, cancellationToken);
            DeleteDirectory(directory);
            if (restored is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(directory)!);
                Directory.Move(staging, directory);
                LogRestored(_logger, partitionId, restored.Manifest.SnapshotId, restored.FilesDownloaded, restored.FilesReused);
                RuntimeMetrics.PartitionRestores.Add(1);
            }
            else
            {
                DeleteDirectory(staging);
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(directory)!);
        var store = RocksDbKeyValueStore.Open(directory, _storeOptions.ToRocksDbOptions(disableWal: Snapshots is not null), _cache);
        var open = new PartitionStore(partitionId, store, lastSnapshotId, closed => _open.TryRemove(new KeyValuePair<string, PartitionStore>(closed.PartitionId, closed)));
        _open[partitionId] = open;
        return open;
    }

    /// <summary>
    /// Makes the store durable: with snapshots, a RocksDB checkpoint uploaded to S3 (new SST files only) with
    /// <paramref name="metadata"/> in its manifest; without, nothing to do (the WAL holds every write).
    /// </summary>
    public async Task<SnapshotUploadResult?> PersistAsync(PartitionStore store, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        if (Snapshots is not { } s3)
        {
            store.LastPersistedAt = DateTimeOffset.UtcNow;
            return null;
        }

        var id = ++store.LastSnapshotId;
        var checkpoint = Path.Combine(RootDirectory, ".checkpoints", $"{store.PartitionId}-{id}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.GetDirectoryName(checkpoint)!);
        store.Store.CreateCheckpoint(checkpoint);
        try
        {
            var result = await s3.UploadAsync(store.PartitionId, checkpoint, id, metadata, cancellationToken);
            store.LastPersistedAt = store.LastSnapshotAt = DateTimeOffset.UtcNow;
            await s3.PruneAsync(store.PartitionId, cancellationToken);
            return result;
        }
        finally
        {
            DeleteDirectory(checkpoint);
        }
    }

    public void Dispose()
    {
        _cache.Dispose();
        Snapshots?.Dispose();
    }

    private static void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {PartitionId} restored from snapshot {SnapshotId}: {Downloaded} file(s) downloaded, {Reused} reused")]
    private static partial void LogRestored(ILogger logger, string partitionId, long snapshotId, int downloaded, int reused);
}

/// <summary>An open partition store, its snapshot sequence, and when it was last made durable.</summary>
public sealed class PartitionStore(string partitionId, IKeyValueStore store, long lastSnapshotId, Action<PartitionStore>? closed = null) : IDisposable
{
    public string PartitionId { get; } = partitionId;

    public IKeyValueStore Store { get; } = store;

    /// <summary>The largest snapshot id of the partition so far; the next snapshot takes the one after.</summary>
    public long LastSnapshotId { get; set; } = lastSnapshotId;

    /// <summary>When the last S3 snapshot of this activation completed; null without snapshots or before the first.</summary>
    public DateTimeOffset? LastSnapshotAt { get; internal set; }

    /// <summary>When a checkpoint barrier last made the state durable (an S3 snapshot, or the local WAL without a bucket).</summary>
    public DateTimeOffset? LastPersistedAt { get; internal set; }

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

    public void Dispose()
    {
        closed?.Invoke(this);
        Store.Dispose();
    }
}

/// <summary>A partition store's size as RocksDB estimates it.</summary>
public readonly record struct PartitionStoreSize(long EstimatedKeys, long Bytes);
