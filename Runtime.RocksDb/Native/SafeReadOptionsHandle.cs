namespace KinesisGrains.RocksDb.Native;

/// <summary>Owns a <c>rocksdb_readoptions_t</c>.</summary>
internal sealed class SafeReadOptionsHandle : RocksDbSafeHandle
{
    public SafeReadOptionsHandle(nint handle)
        : base(handle)
    {
    }

    protected override bool ReleaseHandle()
    {
        RocksDbNative.rocksdb_readoptions_destroy(handle);
        return true;
    }
}
