namespace KinesisGrains.KeyedState.RocksDb.Interop;

/// <summary>
/// Holds a reference on a handle for the length of one native call, so a concurrent Dispose cannot free the native
/// object under the call: the release is deferred until the last lease ends. New leases fail once Dispose is called.
/// </summary>
internal ref struct HandleLease
{
    private readonly RocksDbSafeHandle _handle;
    private bool _added;

    /// <param name="handle">The handle to keep alive.</param>
    /// <param name="owner">The public object named in the <see cref="ObjectDisposedException"/>.</param>
    public HandleLease(RocksDbSafeHandle handle, object owner)
    {
        ObjectDisposedException.ThrowIf(handle.IsDisposeRequested, owner);
        _handle = handle;
        _added = false;
        handle.DangerousAddRef(ref _added);

        // Dispose may have run between the check and the AddRef while other leases kept the handle open.
        if (handle.IsDisposeRequested)
        {
            _added = false;
            handle.DangerousRelease();
            throw new ObjectDisposedException(owner.GetType().FullName);
        }

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
