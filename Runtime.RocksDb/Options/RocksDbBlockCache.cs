using KinesisGrains.RocksDb.Native;

namespace KinesisGrains.RocksDb;

/// <summary>
/// An LRU block cache that several DBs can share, so one budget bounds the block memory of all of them. Disposing it
/// only drops this reference: DBs opened with it keep the cache until they close.
/// </summary>
public sealed class RocksDbBlockCache : IDisposable
{
    public RocksDbBlockCache(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacityBytes);
        Handle = new SafeCacheHandle(RocksDbNative.rocksdb_cache_create_lru((nuint)capacityBytes));
    }

    public long CapacityBytes
    {
        get
        {
            using var lease = new HandleLease(Handle, this);
            return (long)RocksDbNative.rocksdb_cache_get_capacity(lease.Pointer);
        }
    }

    /// <summary>Bytes currently held by cached blocks, across every DB using the cache.</summary>
    public long UsageBytes
    {
        get
        {
            using var lease = new HandleLease(Handle, this);
            return (long)RocksDbNative.rocksdb_cache_get_usage(lease.Pointer);
        }
    }

    internal SafeCacheHandle Handle { get; }

    public void Dispose() => Handle.Dispose();
}
