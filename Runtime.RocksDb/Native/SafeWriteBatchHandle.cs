namespace KinesisGrains.RocksDb.Native;

/// <summary>Owns a <c>rocksdb_writebatch_t</c>.</summary>
internal sealed class SafeWriteBatchHandle : RocksDbSafeHandle
{
    public SafeWriteBatchHandle(nint handle)
        : base(handle)
    {
    }

    protected override bool ReleaseHandle()
    {
        RocksDbNative.rocksdb_writebatch_destroy(handle);
        return true;
    }
}
