using System.Runtime.InteropServices;

namespace KinesisGrains.RocksDb.Native;

/// <summary>
/// Owns a <c>rocksdb_iterator_t</c> together with its read options and the native copy of its bounds, and holds a
/// reference on the DB: RocksDB keeps pointers to the bound bytes and to the read options for the iterator's whole
/// life, and an iterator must be destroyed before its DB is closed.
/// </summary>
internal sealed unsafe class SafeIteratorHandle : RocksDbSafeHandle
{
    private readonly nint _readOptions;
    private readonly byte* _bounds;
    private readonly SafeDbHandle _db;

    private SafeIteratorHandle(nint iterator, nint readOptions, byte* bounds, SafeDbHandle db)
        : base(iterator)
    {
        _readOptions = readOptions;
        _bounds = bounds;
        _db = db;
    }

    /// <summary>Creates an iterator over [<paramref name="lower"/>, <paramref name="upper"/>); an empty upper bound means none.</summary>
    public static SafeIteratorHandle Create(SafeDbHandle db, ReadOnlySpan<byte> lower, ReadOnlySpan<byte> upper, bool fillCache)
    {
        var added = false;
        byte* bounds = null;
        nint readOptions = 0;
        db.DangerousAddRef(ref added); // released in ReleaseHandle, so the DB outlives the iterator
        try
        {
            // Both bounds in one block of native memory: it never moves, whatever the GC does.
            bounds = (byte*)NativeMemory.Alloc((nuint)Math.Max(1L, (long)lower.Length + upper.Length));
            lower.CopyTo(new Span<byte>(bounds, lower.Length));
            upper.CopyTo(new Span<byte>(bounds + lower.Length, upper.Length));

            readOptions = RocksDbNative.rocksdb_readoptions_create();
            RocksDbNative.rocksdb_readoptions_set_fill_cache(readOptions, fillCache ? (byte)1 : (byte)0);
            if (lower.Length > 0)
            {
                RocksDbNative.rocksdb_readoptions_set_iterate_lower_bound(readOptions, bounds, (nuint)lower.Length);
            }

            if (upper.Length > 0)
            {
                RocksDbNative.rocksdb_readoptions_set_iterate_upper_bound(readOptions, bounds + lower.Length, (nuint)upper.Length);
            }

            var iterator = RocksDbNative.rocksdb_create_iterator(db.DangerousGetHandle(), readOptions);
            return new SafeIteratorHandle(iterator, readOptions, bounds, db);
        }
        catch
        {
            if (readOptions != 0)
            {
                RocksDbNative.rocksdb_readoptions_destroy(readOptions);
            }

            NativeMemory.Free(bounds);
            db.DangerousRelease();
            throw;
        }
    }

    protected override bool ReleaseHandle()
    {
        // Reverse order of creation: the iterator still points at the read options and the bounds.
        RocksDbNative.rocksdb_iter_destroy(handle);
        RocksDbNative.rocksdb_readoptions_destroy(_readOptions);
        NativeMemory.Free(_bounds);
        _db.DangerousRelease();
        return true;
    }
}
