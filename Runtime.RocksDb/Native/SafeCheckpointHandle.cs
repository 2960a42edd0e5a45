namespace KinesisGrains.RocksDb.Native;

/// <summary>Owns a <c>rocksdb_checkpoint_t</c>; it refers to its DB, so it is destroyed before the DB can close.</summary>
internal sealed class SafeCheckpointHandle : RocksDbSafeHandle
{
    public SafeCheckpointHandle(nint handle)
        : base(handle)
    {
    }

    protected override bool ReleaseHandle()
    {
        RocksDbNative.rocksdb_checkpoint_object_destroy(handle);
        return true;
    }
}
