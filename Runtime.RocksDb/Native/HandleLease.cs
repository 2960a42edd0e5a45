using System.Runtime.InteropServices;

namespace KinesisGrains.RocksDb.Native;

/// <summary>
/// Holds a reference on a <see cref="SafeHandle"/> for the length of one native call, so a concurrent Dispose cannot
/// free the native object under the call: the release is deferred until the last lease ends.
/// </summary>
internal ref struct HandleLease
{
    private readonly SafeHandle _handle;
    private bool _added;

    /// <param name="handle">The handle to keep alive.</param>
    /// <param name="owner">The public object named in the <see cref="ObjectDisposedException"/>.</param>
    public HandleLease(SafeHandle handle, object owner)
    {
        // The explicit check gives a message naming the owner; DangerousAddRef still catches the race with Dispose.
        ObjectDisposedException.ThrowIf(handle.IsClosed, owner);
        _handle = handle;
        _added = false;
        handle.DangerousAddRef(ref _added);
        Pointer = handle.DangerousGetHandle();
    }

    /// <summary>The native pointer, valid until <see cref="Dispose"/>.</summary>
    public nint Pointer { get; }

    public void Dispose()
    {
        if (_added)
        {
            _added = false;
            _handle.DangerousRelease();
        }
    }
}
