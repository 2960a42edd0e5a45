using RocksDbSharp;

namespace KinesisGrains.KeyedState.RocksDb.Interop;

/// <summary>
/// Owns a package LRU <see cref="Cache"/>. Destroying it drops only this reference: table options given the cache keep
/// their own <c>shared_ptr</c>, so open DBs go on using it.
/// </summary>
internal sealed class SafeCacheHandle : RocksDbSafeHandle
{
    private SafeCacheHandle(Cache cache)
        : base(cache.Handle)
    {
        Cache = cache;
    }

    /// <summary>The cache; use it only under a <see cref="HandleLease"/>.</summary>
    public Cache Cache { get; }

    public static SafeCacheHandle CreateLru(long capacityBytes) => new(Cache.CreateLru((ulong)capacityBytes));

    protected override bool ReleaseHandle()
    {
        // Cache has a finalizer but no Dispose: free it now (a shared cache can hold hundreds of MiB once its DBs are
        // closed) and keep the finalizer from freeing it a second time.
        GC.SuppressFinalize(Cache);
        Native.Instance.rocksdb_cache_destroy(handle);
        return true;
    }
}
