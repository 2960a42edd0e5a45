using System.Runtime.InteropServices;

namespace KinesisGrains.RocksDb.Native;

/// <summary>Base of the handles for RocksDB objects, all of which are plain pointers where 0 means "none".</summary>
internal abstract class RocksDbSafeHandle : SafeHandle
{
    private volatile bool _disposeRequested;

    protected RocksDbSafeHandle(nint handle)
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
        SetHandle(handle);
    }

    public sealed override bool IsInvalid => handle == 0;

    /// <summary>
    /// Whether Dispose has been called. <see cref="SafeHandle.IsClosed"/> only turns true once the last reference is
    /// released, and until then <see cref="SafeHandle.DangerousAddRef"/> still succeeds, so new calls check this flag.
    /// </summary>
    public bool IsDisposeRequested => _disposeRequested;

    protected override void Dispose(bool disposing)
    {
        _disposeRequested = true;
        base.Dispose(disposing);
    }
}
