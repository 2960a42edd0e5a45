using KinesisGrains.KeyedState.RocksDb.Interop;
using RocksDbSharp;

namespace KinesisGrains.KeyedState.RocksDb;

/// <summary>
/// A forward cursor over a key range of a <see cref="RocksDatabase"/>, seeing the DB as of its creation. Not thread-safe.
/// </summary>
/// <remarks>
/// The usual loop is <c>for (it.SeekToFirst(); it.Valid; it.Next()) { ... it.Key ... it.Value ... }</c>.
/// An open iterator keeps its DB from closing: dispose iterators before expecting the DB's files to be released.
/// </remarks>
internal sealed unsafe class RocksDbIterator : IDisposable
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
            return _handle.Iterator.GetKeySpan();
        }
    }

    /// <summary>The current value, in native memory: valid only until the iterator moves or is disposed.</summary>
    public ReadOnlySpan<byte> Value
    {
        get
        {
            using var lease = LeasePositioned();
            return _handle.Iterator.GetValueSpan();
        }
    }

    /// <summary>Moves to the first entry of the range.</summary>
    public void SeekToFirst()
    {
        using var lease = new HandleLease(_handle, this);
        AfterMove(_handle.Iterator.SeekToFirst());
    }

    /// <summary>Moves to the first entry at or after <paramref name="key"/> (and at or after the lower bound).</summary>
    public void Seek(ReadOnlySpan<byte> key)
    {
        using var lease = new HandleLease(_handle, this);
        fixed (byte* k = key)
        {
            // The pointer overload: the span one would pass NULL for an empty key.
            _handle.Iterator.Seek(NativeBytes.OrEmpty(k), (ulong)key.Length);
        }

        AfterMove(_handle.Iterator);
    }

    public void Next()
    {
        using var lease = LeasePositioned();
        AfterMove(_handle.Iterator.Next());
    }

    public void Dispose()
    {
        _valid = false;
        _handle.Dispose();
    }

    // An iterator also becomes invalid on an I/O or corruption error, which must not pass for the end of the range;
    // the package's Iterator does not read that status, so the C API is asked directly.
    private void AfterMove(Iterator iterator)
    {
        _valid = iterator.Valid();
        if (!_valid)
        {
            Native.Instance.rocksdb_iter_get_error(iterator.Handle, out var error);
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
