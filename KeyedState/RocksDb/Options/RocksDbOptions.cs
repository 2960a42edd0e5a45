namespace KinesisGrains.KeyedState.RocksDb;

/// <summary>The settings a DB is opened with. Call <see cref="Validate"/> to check them (Open does).</summary>
public sealed class RocksDbOptions
{
    private const long KiB = 1024;
    private const long MiB = 1024 * KiB;
    private const long GiB = 1024 * MiB;

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

    /// <summary>Memtables kept before writes stall: one being written, the others waiting to be flushed.</summary>
    public int MaxWriteBufferNumber { get; set; } = 3;

    /// <summary>Bits per key of the full bloom filter on SST files; 0 turns filters off.</summary>
    public int BloomBitsPerKey { get; set; } = 10;

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

    public RocksDbMergeOperator MergeOperator { get; set; } = RocksDbMergeOperator.None;

    /// <summary>Throws an <see cref="ArgumentException"/> that lists every invalid setting.</summary>
    public void Validate()
    {
        if (Problems() is { Count: > 0 } errors)
        {
            throw new ArgumentException(Describe(errors));
        }
    }

    /// <summary>One sentence per invalid setting; empty when the options are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var errors = new List<string>();
        if (BlockCacheBytes <= 0)
        {
            errors.Add($"{nameof(BlockCacheBytes)} must be positive (was {BlockCacheBytes}).");
        }

        if (BlockSizeBytes <= 0)
        {
            errors.Add($"{nameof(BlockSizeBytes)} must be positive (was {BlockSizeBytes}).");
        }

        // RocksDB silently clamps write_buffer_size to [64 KiB, 64 GiB]; reject instead of surprising the caller.
        if (WriteBufferBytes is < 64 * KiB or > 64 * GiB)
        {
            errors.Add($"{nameof(WriteBufferBytes)} must be between 64 KiB and 64 GiB (was {WriteBufferBytes}).");
        }

        // RocksDB silently raises 1 to 2: one memtable takes writes while another is flushed.
        if (MaxWriteBufferNumber < 2)
        {
            errors.Add($"{nameof(MaxWriteBufferNumber)} must be at least 2 (was {MaxWriteBufferNumber}).");
        }

        // RocksDB caps bits per key at 100; useful values are 5 to 20.
        if (BloomBitsPerKey is < 0 or > 100)
        {
            errors.Add($"{nameof(BloomBitsPerKey)} must be between 0 (no filter) and 100 (was {BloomBitsPerKey}).");
        }

        if (!Enum.IsDefined(Compression))
        {
            errors.Add($"{nameof(Compression)} has an unknown value ({(int)Compression}).");
        }

        if (MaxBackgroundJobs < 1)
        {
            errors.Add($"{nameof(MaxBackgroundJobs)} must be at least 1 (was {MaxBackgroundJobs}).");
        }

        if (!Enum.IsDefined(MergeOperator))
        {
            errors.Add($"{nameof(MergeOperator)} has an unknown value ({(int)MergeOperator}).");
        }

        // RocksDB fails every such write with "Sync writes has to enable WAL".
        if (DisableWal && SyncWrites)
        {
            errors.Add($"{nameof(SyncWrites)} needs the write-ahead log, but {nameof(DisableWal)} is set.");
        }

        return errors;
    }

    /// <summary>The problems in one message, as <see cref="Validate"/> throws it.</summary>
    public static string Describe(IReadOnlyList<string> problems) => "Invalid RocksDB options: " + string.Join(" ", problems);
}
