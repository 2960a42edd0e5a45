namespace KinesisGrains.RocksDb.Native;

/// <summary>Owns a <c>rocksdb_options_t (DB and column-family options)</c>.</summary>
internal sealed class SafeOptionsHandle : RocksDbSafeHandle
{
    public SafeOptionsHandle(nint handle)
        : base(handle)
    {
    }

    protected override bool ReleaseHandle()
    {
        RocksDbNative.rocksdb_options_destroy(handle);
        return true;
    }
}
