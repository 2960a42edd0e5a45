using KinesisGrains.KeyedState.RocksDb;

namespace KinesisGrains.KeyedState.Storage;

/// <summary>
/// One RocksDB per state partition, under one folder, sharing one block cache.
/// </summary>
/// <remarks>
/// Why one DB per partition rather than one per silo with a partition prefix: a partition is the unit that is
/// snapshotted, restored and moved between silos. Its own DB makes each of those a file-level operation (checkpoint,
/// upload the new SSTs, download, open) with no copying of key ranges, and a snapshot of one partition never waits
/// for another's. The price is a memtable per partition, so each DB gets small write buffers and the block cache is
/// shared; the partition-hot-path benchmark (bench/RESULTS.md) measures both layouts.
/// </remarks>
internal sealed class PartitionedRocksDbStores : IDisposable
{
    private readonly RocksDbKeyValueStore?[] _stores;
    private readonly RocksDbBlockCache _cache;
    private readonly RocksDbOptions _options;

    /// <param name="disableWal">True when snapshots and replay give durability.</param>
    public PartitionedRocksDbStores(string directory, int partitionCount, PartitionStoreOptions options, bool disableWal)
        : this(directory, partitionCount, options.ToRocksDbOptions(disableWal), options.BlockCacheBytes)
    {
    }

    public PartitionedRocksDbStores(string directory, int partitionCount, RocksDbOptions perPartitionOptions, long sharedCacheBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        new RocksDbOptionsValidator(perPartitionOptions).ValidateConfiguration();
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
        _options = perPartitionOptions;
        _stores = new RocksDbKeyValueStore?[partitionCount];
        _cache = new RocksDbBlockCache(sharedCacheBytes);
    }

    public string Directory { get; }

    public int PartitionCount => _stores.Length;

    public string DirectoryOf(int partition) => Path.Combine(Directory, $"p-{partition:D5}");

    /// <summary>The open store of <paramref name="partition"/>, opened on first use.</summary>
    public IKeyValueStore this[int partition]
    {
        get
        {
            lock (_stores)
            {
                if (_stores[partition] is null)
                {
                    _stores[partition] = RocksDbKeyValueStore.Open(DirectoryOf(partition), _options, _cache);
                    KeyGroupUpgrade.Upgrade(_stores[partition]!);
                }

                return _stores[partition]!;
            }
        }
    }

    public void Dispose()
    {
        lock (_stores)
        {
            for (var i = 0; i < _stores.Length; i++)
            {
                _stores[i]?.Dispose();
                _stores[i] = null;
            }
        }

        _cache.Dispose();
    }
}
