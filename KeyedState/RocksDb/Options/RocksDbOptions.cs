namespace KinesisGrains.KeyedState.RocksDb;

/// <summary>The settings a DB is opened with; <see cref="RocksDbOptionsValidator"/> holds their rules (Open checks them).</summary>
public sealed class RocksDbOptions
{
    private const long KiB = 1024;
    private const long MiB = 1024 * KiB;

    /// <summary>
    /// Creates the folder and an empty DB when none exists; otherwise a missing DB fails the open (RocksDB still
    /// creates the folder with LOCK and LOG files before it fails).
    /// </summary>
    public bool CreateIfMissing { get; set; } = true;

    /// <summary>Size of the DB's own LRU block cache; ignored when a shared <see cref="RocksDbBlockCache"/> is given.</summary>
    public long BlockCacheBytes { get; set; } = 64 * MiB;

    /// <summary>Uncompressed size of a data block (RocksDB's default is 4 KiB).</summary>
    public int BlockSizeBytes { get; set; } = 4 * (int)KiB;

    /// <summary>Keeps index and filter blocks in the block cache, so the cache size bounds them too.</summary>
    public bool CacheIndexAndFilterBlocks { get; set; } = true;

    /// <summary>Size of one memtable; a DB holds up to <see cref="MaxWriteBufferNumber"/> of them.</summary>
    public long WriteBufferBytes { get; set; } = 64 * MiB;

    /// <summary>
    /// The size compaction cuts its output files at (RocksDB's target_file_size_base; its default is 64 MiB). Small
    /// files let a rescale drop a range of key groups as whole files and rewrite only the few at its ends, and let an
    /// incremental snapshot upload less of what did not change.
    /// </summary>
    public long TargetFileBytes { get; set; } = 2 * MiB;

    /// <summary>Memtables kept before writes stall: one being written, the others waiting to be flushed.</summary>
    public int MaxWriteBufferNumber { get; set; } = 3;

    /// <summary>Bits per key of the full bloom filter on SST files; 0 turns filters off.</summary>
    public int BloomBitsPerKey { get; set; } = 10;

    /// <summary>How SST files are compressed.</summary>
    public RocksDbCompression Compression { get; set; } = RocksDbCompression.Lz4;

    /// <summary>
    /// Skips the write-ahead log: faster writes, but unflushed writes are lost on a crash or an unclean close, so
    /// durability then comes only from <see cref="RocksDatabase.Flush"/> and checkpoints.
    /// </summary>
    public bool DisableWal { get; set; }

    /// <summary>fsyncs the write-ahead log on every write; needs the WAL.</summary>
    public bool SyncWrites { get; set; }

    /// <summary>
    /// Concurrent flushes and compactions of this DB. They run on RocksDB's process-wide thread pools, which opening a
    /// DB grows (never shrinks) to this DB's limits.
    /// </summary>
    public int MaxBackgroundJobs { get; set; } = 2;

    /// <summary>A merge operator for states kept as RocksDB merges instead of read-modify-write.</summary>
    public RocksDbMergeOperator MergeOperator { get; set; } = RocksDbMergeOperator.None;
}
