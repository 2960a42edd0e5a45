namespace KinesisGrains.KeyedState.RocksDb;

/// <summary>Block compression of SST files. All four are linked into the RocksDB library the RocksDB package bundles.</summary>
public enum RocksDbCompression
{
    None,
    Snappy,
    Lz4,
    Zstd,
}
