using System.Runtime.InteropServices;

namespace KinesisGrains.KeyedState.RocksDb.Interop;

/// <summary>
/// Base of the handles that own a RocksDbSharp object. The package's <c>RocksDb</c>, <c>WriteBatch</c> and
/// <c>Iterator</c> neither count in-flight calls nor (the last two) have finalizers; a SafeHandle adds both: Dispose
/// during a call is deferred to the last lease (<see cref="HandleLease"/>), and a forgotten object is still freed.
/// </summary>
internal abstract class RocksDbSafeHandle : SafeHandle
{
    private volatile bool _disposeRequested;

    /// <param name="handle">The package object's native pointer; 0 means "none".</param>
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
