using RocksDbSharp;

namespace KinesisGrains.KeyedState.RocksDb.Interop;

/// <summary>
/// <see cref="RocksDbOptions"/> translated into the package's option objects. They are kept together for the whole life
/// of the DB (<see cref="SafeDbHandle"/> holds them): <c>KeyedState.RocksDb.Open</c> does not, and a callback set on them must
/// not be collected while the DB runs.
/// </summary>
internal sealed class PackageOptions
{
    private PackageOptions(DbOptions db, BlockBasedTableOptions table, ReadOptions read, WriteOptions write, Compression compression)
    {
        Db = db;
        Table = table;
        Read = read;
        Write = write;
        Compression = compression;
    }

    /// <summary>The compression of the DB's files (an SST file written for ingestion uses it too).</summary>
    public Compression Compression { get; }

    public DbOptions Db { get; }

    public BlockBasedTableOptions Table { get; }

    /// <summary>The read options of point reads.</summary>
    public ReadOptions Read { get; }

    /// <summary>The write options of every write.</summary>
    public WriteOptions Write { get; }

    /// <param name="sharedCache">A cache shared with other DBs; null gives the DB its own of <see cref="RocksDbOptions.BlockCacheBytes"/>.</param>
    public static PackageOptions From(RocksDbOptions options, RocksDbBlockCache? sharedCache)
    {
        var table = CreateTableOptions(options, sharedCache);
        var db = new DbOptions()
            .SetCreateIfMissing(options.CreateIfMissing)
            .SetWriteBufferSize((ulong)options.WriteBufferBytes)
            .SetMaxWriteBufferNumber(options.MaxWriteBufferNumber)
            .SetTargetFileSizeBase((ulong)options.TargetFileBytes)
            .SetCompression(ToPackage(options.Compression))

            // Sizes levels from the last one upwards, which bounds space amplification (RocksDB's tuning guide).
            .SetLevelCompactionDynamicLevelBytes(true)

            // The factory is built from a copy of the table options.
            .SetBlockBasedTableFactory(table);

        // Not IncreaseParallelism: it *sets* the process-wide pool sizes (LOW = n, HIGH = 1), so the last DB opened
        // would shrink the pools of all others. Open grows the shared pools to this DB's job limits by itself.
        // DbOptions has no setter for max_background_jobs.
        Native.Instance.rocksdb_options_set_max_background_jobs(db.Handle, options.MaxBackgroundJobs);

        if (options.MergeOperator == RocksDbMergeOperator.UInt64Add)
        {
            // RocksDB's own C++ operator: no managed callback on the write or compaction path.
            db.SetUint64addMergeOperator();
        }

        var write = new WriteOptions()
            .DisableWal(options.DisableWal ? 1 : 0)
            .SetSync(options.SyncWrites);
        return new PackageOptions(db, table, new ReadOptions(), write, ToPackage(options.Compression));
    }

    private static BlockBasedTableOptions CreateTableOptions(RocksDbOptions options, RocksDbBlockCache? sharedCache)
    {
        var table = new BlockBasedTableOptions();
        if (sharedCache is not null)
        {
            // The table options copy the cache's shared_ptr, so the cache outlives its wrapper while DBs use it.
            using var lease = new HandleLease(sharedCache.Handle, sharedCache);
            table.SetBlockCache(lease.Pointer);
        }
        else
        {
            table.SetBlockCache(Cache.CreateLru((ulong)options.BlockCacheBytes));
        }

        if (options.BloomBitsPerKey > 0)
        {
            // A full (not block-based) filter; its ownership moves to the table options.
            table.SetFilterPolicy(BloomFilterPolicy.Create(options.BloomBitsPerKey, use_block_based_builder: false));
        }

        table.SetBlockSize((ulong)options.BlockSizeBytes);

        // Index and filter blocks then count against the (possibly shared) cache budget instead of growing outside it.
        table.SetCacheIndexAndFilterBlocks(options.CacheIndexAndFilterBlocks);
        return table;
    }

    private static Compression ToPackage(RocksDbCompression compression) => compression switch
    {
        RocksDbCompression.None => Compression.No,
        RocksDbCompression.Snappy => Compression.Snappy,
        RocksDbCompression.Lz4 => Compression.Lz4,
        RocksDbCompression.Zstd => Compression.Zstd,
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, "Unknown compression."),
    };
}
