using System.Runtime.InteropServices;
using RocksDbSharp;

namespace KinesisGrains.KeyedState.RocksDb.Interop;

/// <summary>
/// Owns a package <see cref="Iterator"/> together with its read options and the native copy of its bounds, and holds a
/// reference on the DB: RocksDB keeps pointers to the bound bytes and to the read options for the iterator's whole
/// life, and an iterator must be destroyed before its DB is closed.
/// </summary>
internal sealed unsafe class SafeIteratorHandle : RocksDbSafeHandle
{
    private readonly ReadOptions _readOptions;
    private readonly byte* _bounds;
    private readonly SafeDbHandle _db;

    private SafeIteratorHandle(Iterator iterator, ReadOptions readOptions, byte* bounds, SafeDbHandle db)
        : base(iterator.Handle)
    {
        Iterator = iterator;
        _readOptions = readOptions;
        _bounds = bounds;
        _db = db;
    }

    /// <summary>The iterator; use it only under a <see cref="HandleLease"/>.</summary>
    public Iterator Iterator { get; }

    /// <summary>Creates an iterator over [<paramref name="lower"/>, <paramref name="upper"/>); an empty upper bound means none.</summary>
    public static SafeIteratorHandle Create(SafeDbHandle db, ReadOnlySpan<byte> lower, ReadOnlySpan<byte> upper, bool fillCache)
    {
        var added = false;
        byte* bounds = null;
        ReadOptions? readOptions = null;
        db.DangerousAddRef(ref added); // released in ReleaseHandle, so the DB outlives the iterator
        try
        {
            // Both bounds in one block of native memory: it never moves, whatever the GC does.
            bounds = (byte*)NativeMemory.Alloc((nuint)Math.Max(1L, (long)lower.Length + upper.Length));
            lower.CopyTo(new Span<byte>(bounds, lower.Length));
            upper.CopyTo(new Span<byte>(bounds + lower.Length, upper.Length));

            // ReadOptions frees itself only in its finalizer, which could run before this handle's critical finalizer
            // and leave a forgotten iterator over freed options; this handle frees them, after the iterator.
            readOptions = new ReadOptions();
            GC.SuppressFinalize(readOptions);
            readOptions.SetFillCache(fillCache);
            if (lower.Length > 0)
            {
                readOptions.SetIterateLowerBound(bounds, (ulong)lower.Length);
            }

            if (upper.Length > 0)
            {
                readOptions.SetIterateUpperBound(bounds + lower.Length, (ulong)upper.Length);
            }

            var iterator = db.Db.NewIterator(cf: null, readOptions);
            return new SafeIteratorHandle(iterator, readOptions, bounds, db);
        }
        catch
        {
            if (readOptions is not null)
            {
                Native.Instance.rocksdb_readoptions_destroy(readOptions.Handle);
            }

            NativeMemory.Free(bounds);
            db.DangerousRelease();
            throw;
        }
    }

    protected override bool ReleaseHandle()
    {
        // Reverse order of creation: the iterator still points at the read options and the bounds.
        Iterator.Dispose();
        Native.Instance.rocksdb_readoptions_destroy(_readOptions.Handle);
        NativeMemory.Free(_bounds);
        _db.DangerousRelease();
        return true;
    }
}
