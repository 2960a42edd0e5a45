using KinesisGrains.KeyedState.RocksDb;

namespace KinesisGrains.KeyedState.Storage;

/// <summary>
/// RocksDB memory of the state partitions (section <c>State</c>). A silo holds one DB per partition, so its memory is
/// about <see cref="BlockCacheBytes"/> + P × <see cref="WriteBufferBytes"/> × <see cref="MaxWriteBufferNumber"/>,
/// plus the grain activations. <see cref="PartitionStoreOptionsValidator"/> holds their rules.
/// </summary>
public sealed class PartitionStoreOptions
{
    private const long MiB = 1024 * 1024;

    /// <summary>The LRU block cache every partition shares; index and filter blocks live in it too.</summary>
    public long BlockCacheBytes { get; set; } = 256 * MiB;

    /// <summary>One memtable of one partition; small, because there are P of them.</summary>
    public long WriteBufferBytes { get; set; } = 16 * MiB;

    /// <summary>Memtables a partition keeps before writes stall (one taking writes, the others being flushed).</summary>
    public int MaxWriteBufferNumber { get; set; } = 2;

    /// <summary>Bits per key of the bloom filters, which spare a disk read for a key that is not there (a new grain).</summary>
    public int BloomBitsPerKey { get; set; } = 10;

    /// <summary>How the partitions' SST files are compressed.</summary>
    public RocksDbCompression Compression { get; set; } = RocksDbCompression.Lz4;

    /// <summary>The options each partition's DB is opened with.</summary>
    /// <param name="disableWal">True when snapshots and replay give durability, so the write-ahead log is waste.</param>
    public RocksDbOptions ToRocksDbOptions(bool disableWal) => new()
    {
        WriteBufferBytes = WriteBufferBytes,
        MaxWriteBufferNumber = MaxWriteBufferNumber,
        BloomBitsPerKey = BloomBitsPerKey,
        Compression = Compression,
        DisableWal = disableWal,
    };
}
