using KinesisGrains.KeyedState.RocksDb.Interop;

namespace KinesisGrains.KeyedState.RocksDb;

/// <summary>
/// An LRU block cache that several DBs can share, so one budget bounds the block memory of all of them. Disposing it
/// only drops this reference: DBs opened with it keep the cache until they close.
/// </summary>
internal sealed class RocksDbBlockCache : IDisposable
{
    public RocksDbBlockCache(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacityBytes);
        Handle = SafeCacheHandle.CreateLru(capacityBytes);
        CapacityBytes = capacityBytes;
    }

    /// <summary>The capacity the cache was created with; nothing changes it afterwards.</summary>
    public long CapacityBytes { get; }

    /// <summary>Bytes currently held by cached blocks, across every DB using the cache.</summary>
    public long UsageBytes
    {
        get
        {
            using var lease = new HandleLease(Handle, this);
            return (long)Handle.Cache.GetUsage();
        }
    }

    internal SafeCacheHandle Handle { get; }

    public void Dispose() => Handle.Dispose();
}
