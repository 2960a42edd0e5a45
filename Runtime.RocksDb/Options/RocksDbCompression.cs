namespace KinesisGrains.RocksDb;

/// <summary>Block compression of SST files. All four are linked into Debian's librocksdb.</summary>
public enum RocksDbCompression
{
    None,
    Snappy,
    Lz4,
    Zstd,
}
