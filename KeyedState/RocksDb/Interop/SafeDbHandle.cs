namespace KinesisGrains.KeyedState.RocksDb.Interop;

/// <summary>
/// Owns an open package <c>RocksDb</c> and the option objects that must live as long as it. The DB is closed once the
/// handle is disposed and the last lease or iterator on it is gone, because closing while another thread is inside a
/// call is not safe.
/// </summary>
internal sealed class SafeDbHandle : RocksDbSafeHandle
{
    private SafeDbHandle(RocksDbSharp.RocksDb db, PackageOptions options)
        : base(db.Handle)
    {
        Db = db;
        Options = options;

        // Only this handle closes the DB: the package's own finalizer knows nothing of our leases and could close it
        // under an iterator still holding one.
        GC.SuppressFinalize(db);
    }

    /// <summary>The DB; use it only under a <see cref="HandleLease"/>.</summary>
    public RocksDbSharp.RocksDb Db { get; }

    public PackageOptions Options { get; }

    /// <exception cref="RocksDbSharp.RocksDbSharpException">RocksDB could not open the DB.</exception>
    public static SafeDbHandle Open(string path, PackageOptions options) => new(RocksDbSharp.RocksDb.Open(options.Db, path), options);

    protected override bool ReleaseHandle()
    {
        Db.Dispose();
        return true;
    }
}
