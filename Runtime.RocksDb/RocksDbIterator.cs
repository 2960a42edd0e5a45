using KinesisGrains.RocksDb.Native;

namespace KinesisGrains.RocksDb;

/// <summary>
/// A forward cursor over a key range of a <see cref="RocksDatabase"/>, seeing the DB as of its creation. Not thread-safe.
/// </summary>
/// <remarks>
/// The usual loop is <c>for (it.SeekToFirst(); it.Valid; it.Next()) { ... it.Key ... it.Value ... }</c>.
/// An open iterator keeps its DB from closing: dispose iterators before expecting the DB's files to be released.
/// </remarks>
public sealed unsafe class RocksDbIterator : IDisposable
{
    private readonly SafeIteratorHandle _handle;
    private readonly string _path;
    private bool _valid;

    internal RocksDbIterator(SafeIteratorHandle handle, string path)
    {
        _handle = handle;
        _path = path;
    }

    /// <summary>Whether the iterator is on an entry; false before the first seek and after the end of the range.</summary>
    public bool Valid
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsDisposeRequested, this);
            return _valid;
        }
    }

    /// <summary>The current key, in native memory: valid only until the iterator moves or is disposed.</summary>
    public ReadOnlySpan<byte> Key
    {
        get
        {
            using var lease = LeasePositioned();
            nuint length;
            var key = RocksDbNative.rocksdb_iter_key(lease.Pointer, &length);
            return new ReadOnlySpan<byte>(key, checked((int)length));
        }
    }

    /// <summary>The current value, in native memory: valid only until the iterator moves or is disposed.</summary>
    public ReadOnlySpan<byte> Value
    {
        get
        {
            using var lease = LeasePositioned();
            nuint length;
            var value = RocksDbNative.rocksdb_iter_value(lease.Pointer, &length);
            return new ReadOnlySpan<byte>(value, checked((int)length));
        }
    }

    /// <summary>Moves to the first entry of the range.</summary>
    public void SeekToFirst()
    {
        using var lease = new HandleLease(_handle, this);
        RocksDbNative.rocksdb_iter_seek_to_first(lease.Pointer);
        AfterMove(lease.Pointer);
    }

    /// <summary>Moves to the first entry at or after <paramref name="key"/> (and at or after the lower bound).</summary>
    public void Seek(ReadOnlySpan<byte> key)
    {
        using var lease = new HandleLease(_handle, this);
        fixed (byte* k = key)
        {
            RocksDbNative.rocksdb_iter_seek(lease.Pointer, NativeBytes.OrEmpty(k), (nuint)key.Length);
        }

        AfterMove(lease.Pointer);
    }

    public void Next()
    {
        using var lease = LeasePositioned();
        RocksDbNative.rocksdb_iter_next(lease.Pointer);
        AfterMove(lease.Pointer);
    }

    public void Dispose()
    {
        _valid = false;
        _handle.Dispose();
    }

    // An iterator also becomes invalid on an I/O or corruption error, which must not pass for the end of the range.
    private void AfterMove(nint iterator)
    {
        _valid = RocksDbNative.rocksdb_iter_valid(iterator) != 0;
        if (!_valid)
        {
            nint error = 0;
            RocksDbNative.rocksdb_iter_get_error(iterator, &error);
            NativeError.ThrowIfFailed(error, "iteration", _path);
        }
    }

    // Reading the key or value of an unpositioned RocksDB iterator is undefined behaviour, not an error status.
    private HandleLease LeasePositioned()
    {
        var lease = new HandleLease(_handle, this);
        if (!_valid)
        {
            lease.Dispose();
            throw new InvalidOperationException("The iterator is not on an entry: seek first and check Valid.");
        }

        return lease;
    }
}
