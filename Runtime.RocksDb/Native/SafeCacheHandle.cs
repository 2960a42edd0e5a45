namespace KinesisGrains.RocksDb.Native;

/// <summary>
/// Owns a <c>rocksdb_cache_t</c> wrapper. Destroying it drops only this reference: table options given the cache keep
/// their own <c>shared_ptr</c>, so open DBs go on using it.
/// </summary>
internal sealed class SafeCacheHandle : RocksDbSafeHandle
{
    public SafeCacheHandle(nint handle)
        : base(handle)
    {
    }

    protected override bool ReleaseHandle()
    {
        RocksDbNative.rocksdb_cache_destroy(handle);
        return true;
    }
}
