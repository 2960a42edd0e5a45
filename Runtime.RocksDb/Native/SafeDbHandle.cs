using System.Runtime.InteropServices;

namespace KinesisGrains.RocksDb.Native;

/// <summary>
/// Owns an open <c>rocksdb_t</c> plus the native objects that must live as long as it (its options and the default
/// read and write options). <c>rocksdb_close</c> runs once the handle is disposed and the last lease or iterator on it
/// is gone, because closing while another thread is inside a call is not safe.
/// </summary>
internal sealed class SafeDbHandle : RocksDbSafeHandle
{
    private readonly SafeHandle[] _dependents;

    public SafeDbHandle(nint db, params SafeHandle[] dependents)
        : base(db)
    {
        _dependents = dependents;
        foreach (var dependent in dependents)
        {
            // Our reference keeps a dependent alive even if its own finalizer runs first.
            var added = false;
            dependent.DangerousAddRef(ref added);
        }
    }

    protected override bool ReleaseHandle()
    {
        RocksDbNative.rocksdb_close(handle);
        foreach (var dependent in _dependents)
        {
            dependent.DangerousRelease();
            dependent.Dispose();
        }

        return true;
    }
}
