namespace KinesisGrains.RocksDb.Native;

/// <summary>Owns a <c>rocksdb_writeoptions_t</c>.</summary>
internal sealed class SafeWriteOptionsHandle : RocksDbSafeHandle
{
    public SafeWriteOptionsHandle(nint handle)
        : base(handle)
    {
    }

    protected override bool ReleaseHandle()
    {
        RocksDbNative.rocksdb_writeoptions_destroy(handle);
        return true;
    }
}
