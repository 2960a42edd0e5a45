namespace KinesisGrains.KeyedState.RocksDb;

/// <summary>Block compression of SST files. All four are linked into the RocksDB library the RocksDB package bundles.</summary>
public enum RocksDbCompression
{
    /// <summary>No compression: the most disk, the least CPU.</summary>
    None,
    /// <summary>Snappy: fast, modest ratio.</summary>
    Snappy,
    /// <summary>LZ4: fast with a better ratio than Snappy (the default).</summary>
    Lz4,
    /// <summary>Zstandard: the best ratio for more CPU; for large, cold state.</summary>
    Zstd,
}
