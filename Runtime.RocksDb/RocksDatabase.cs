using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using KinesisGrains.RocksDb.Native;

namespace KinesisGrains.RocksDb;

/// <summary>
/// An open RocksDB database (default column family only). Reads, writes and iterator creation are thread-safe.
/// </summary>
/// <remarks>
/// Every call holds a reference on the native handle, so <see cref="Dispose"/> never frees the DB under a running call:
/// the close happens when the last in-flight call returns and the last iterator is disposed. Calls started after
/// Dispose throw <see cref="ObjectDisposedException"/>.
/// </remarks>
public sealed unsafe class RocksDatabase : IDisposable
{
    private readonly SafeDbHandle _db;

    // Owned by _db (released after rocksdb_close), so they are valid whenever a lease on _db is held.
    private readonly nint _readOptions;
    private readonly nint _writeOptions;

    private RocksDatabase(SafeDbHandle db, nint readOptions, nint writeOptions, string path)
    {
        _db = db;
        _readOptions = readOptions;
        _writeOptions = writeOptions;
        Path = path;
    }

    /// <summary>The full path of the DB folder.</summary>
    public string Path { get; }

    /// <summary>Opens (or, with <see cref="RocksDbOptions.CreateIfMissing"/>, creates) the DB in folder <paramref name="path"/>.</summary>
    /// <param name="sharedCache">A block cache shared with other DBs; when null the DB gets its own of
    /// <see cref="RocksDbOptions.BlockCacheBytes"/>.</param>
    /// <exception cref="RocksDbException">RocksDB could not open the DB; the message names the path.</exception>
    public static RocksDatabase Open(string path, RocksDbOptions options, RocksDbBlockCache? sharedCache = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var fullPath = System.IO.Path.GetFullPath(path);
        var nativePath = NativeBytes.ToNullTerminatedUtf8(fullPath, nameof(path));

        SafeOptionsHandle? dbOptions = null;
        SafeReadOptionsHandle? readOptions = null;
        SafeWriteOptionsHandle? writeOptions = null;
        try
        {
            dbOptions = NativeOptionsBuilder.CreateDbOptions(options, sharedCache);
            readOptions = NativeOptionsBuilder.CreateReadOptions();
            writeOptions = NativeOptionsBuilder.CreateWriteOptions(options);

            nint error = 0;
            nint db;
            fixed (byte* name = nativePath)
            {
                db = RocksDbNative.rocksdb_open(dbOptions.DangerousGetHandle(), name, &error);
            }

            NativeError.ThrowIfFailed(error, "open", fullPath);

            // The DB handle takes its own references on the option objects; the ones dropped below are ours.
            var handle = new SafeDbHandle(db, dbOptions, readOptions, writeOptions);
            return new RocksDatabase(handle, readOptions.DangerousGetHandle(), writeOptions.DangerousGetHandle(), fullPath);
        }
        finally
        {
            writeOptions?.Dispose();
            readOptions?.Dispose();
            dbOptions?.Dispose();
        }
    }

    /// <summary>Reads the value of <paramref name="key"/> into a new array; null when the key is absent.</summary>
    public byte[]? Get(ReadOnlySpan<byte> key)
    {
        using var lease = new HandleLease(_db, this);
        var slice = GetPinned(lease.Pointer, key);
        if (slice == 0)
        {
            return null;
        }

        try
        {
            return PinnedValue(slice).ToArray();
        }
        finally
        {
            RocksDbNative.rocksdb_pinnableslice_destroy(slice);
        }
    }

    /// <summary>
    /// Appends the value of <paramref name="key"/> to <paramref name="destination"/> without allocating managed memory;
    /// false (and nothing written) when the key is absent.
    /// </summary>
    public bool TryGet(ReadOnlySpan<byte> key, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var lease = new HandleLease(_db, this);
        var slice = GetPinned(lease.Pointer, key);
        if (slice == 0)
        {
            return false;
        }

        try
        {
            var value = PinnedValue(slice);
            if (value.Length > 0)
            {
                value.CopyTo(destination.GetSpan(value.Length));
                destination.Advance(value.Length);
            }

            return true;
        }
        finally
        {
            RocksDbNative.rocksdb_pinnableslice_destroy(slice);
        }
    }

    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        using var lease = new HandleLease(_db, this);
        nint error = 0;
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            RocksDbNative.rocksdb_put(
                lease.Pointer, _writeOptions, NativeBytes.OrEmpty(k), (nuint)key.Length, NativeBytes.OrEmpty(v), (nuint)value.Length, &error);
        }

        NativeError.ThrowIfFailed(error, "put", Path);
    }

    /// <summary>Removes <paramref name="key"/>; removing an absent key is not an error.</summary>
    public void Delete(ReadOnlySpan<byte> key)
    {
        using var lease = new HandleLease(_db, this);
        nint error = 0;
        fixed (byte* k = key)
        {
            RocksDbNative.rocksdb_delete(lease.Pointer, _writeOptions, NativeBytes.OrEmpty(k), (nuint)key.Length, &error);
        }

        NativeError.ThrowIfFailed(error, "delete", Path);
    }

    /// <summary>Adds a merge operand for <paramref name="key"/>; needs <see cref="RocksDbOptions.MergeOperator"/>.</summary>
    public void Merge(ReadOnlySpan<byte> key, ReadOnlySpan<byte> operand)
    {
        using var lease = new HandleLease(_db, this);
        nint error = 0;
        fixed (byte* k = key)
        fixed (byte* v = operand)
        {
            RocksDbNative.rocksdb_merge(
                lease.Pointer, _writeOptions, NativeBytes.OrEmpty(k), (nuint)key.Length, NativeBytes.OrEmpty(v), (nuint)operand.Length, &error);
        }

        NativeError.ThrowIfFailed(error, "merge", Path);
    }

    /// <summary>Applies every operation of <paramref name="batch"/> atomically. The batch is left as it was.</summary>
    public void Write(RocksDbWriteBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var lease = new HandleLease(_db, this);
        using var batchLease = new HandleLease(batch.Handle, batch);
        nint error = 0;
        RocksDbNative.rocksdb_write(lease.Pointer, _writeOptions, batchLease.Pointer, &error);
        NativeError.ThrowIfFailed(error, "write", Path);
    }

    /// <summary>
    /// Creates an iterator over the keys in [<paramref name="lowerInclusive"/>, <paramref name="upperExclusive"/>).
    /// Both bounds are copied. An empty <paramref name="upperExclusive"/> means no upper bound.
    /// </summary>
    /// <param name="fillCache">False for one-off scans that should not evict hot blocks from the block cache.</param>
    public RocksDbIterator NewIterator(ReadOnlySpan<byte> lowerInclusive, ReadOnlySpan<byte> upperExclusive, bool fillCache = true)
    {
        // The iterator takes its own reference on the DB; the lease only makes sure the DB is not disposed yet.
        using var lease = new HandleLease(_db, this);
        return new RocksDbIterator(SafeIteratorHandle.Create(_db, lowerInclusive, upperExclusive, fillCache), Path);
    }

    /// <summary>
    /// Writes a consistent, openable copy of the DB to <paramref name="directory"/>, which must not exist yet. Memtables
    /// are flushed first, so the copy is complete even with the WAL off. SST files are hard-linked when on the same
    /// file system.
    /// </summary>
    public void CreateCheckpoint(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var fullDirectory = System.IO.Path.GetFullPath(directory);
        var nativeDirectory = NativeBytes.ToNullTerminatedUtf8(fullDirectory, nameof(directory));

        using var lease = new HandleLease(_db, this);
        nint error = 0;
        var created = RocksDbNative.rocksdb_checkpoint_object_create(lease.Pointer, &error);
        NativeError.ThrowIfFailed(error, "checkpoint", Path, fullDirectory);

        // Declared after the lease, so it is destroyed while the DB is still held.
        using var checkpoint = new SafeCheckpointHandle(created);
        fixed (byte* dir = nativeDirectory)
        {
            RocksDbNative.rocksdb_checkpoint_create(checkpoint.DangerousGetHandle(), dir, logSizeForFlush: 0, &error);
        }

        NativeError.ThrowIfFailed(error, "checkpoint", Path, fullDirectory);
    }

    /// <summary>Flushes the memtables to SST files and waits for the flush to finish.</summary>
    public void Flush()
    {
        using var lease = new HandleLease(_db, this);
        var flushOptions = RocksDbNative.rocksdb_flushoptions_create();
        try
        {
            RocksDbNative.rocksdb_flushoptions_set_wait(flushOptions, 1);
            nint error = 0;
            RocksDbNative.rocksdb_flush(lease.Pointer, flushOptions, &error);
            NativeError.ThrowIfFailed(error, "flush", Path);
        }
        finally
        {
            RocksDbNative.rocksdb_flushoptions_destroy(flushOptions);
        }
    }

    /// <summary>The text of a DB property such as "rocksdb.stats"; null when RocksDB does not know the name.</summary>
    public string? GetProperty(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Span<byte> buffer = stackalloc byte[256];
        var nativeName = EncodeName(name, buffer);

        using var lease = new HandleLease(_db, this);
        nint value;
        fixed (byte* n = nativeName)
        {
            value = RocksDbNative.rocksdb_property_value(lease.Pointer, n);
        }

        if (value == 0)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(value);
        }
        finally
        {
            RocksDbNative.rocksdb_free(value);
        }
    }

    /// <summary>
    /// The value of an integer DB property such as "rocksdb.estimate-num-keys"; null when the name is unknown or the
    /// property is not an integer.
    /// </summary>
    public ulong? GetIntProperty(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Span<byte> buffer = stackalloc byte[256];
        var nativeName = EncodeName(name, buffer);

        using var lease = new HandleLease(_db, this);
        ulong value;
        int status;
        fixed (byte* n = nativeName)
        {
            status = RocksDbNative.rocksdb_property_int(lease.Pointer, n, &value);
        }

        return status == 0 ? value : null;
    }

    /// <summary>Closes the DB once in-flight calls have returned and open iterators are disposed.</summary>
    public void Dispose() => _db.Dispose();

    private nint GetPinned(nint db, ReadOnlySpan<byte> key)
    {
        nint error = 0;
        nint slice;
        fixed (byte* k = key)
        {
            slice = RocksDbNative.rocksdb_get_pinned(db, _readOptions, NativeBytes.OrEmpty(k), (nuint)key.Length, &error);
        }

        if (error != 0 && slice != 0)
        {
            RocksDbNative.rocksdb_pinnableslice_destroy(slice);
        }

        NativeError.ThrowIfFailed(error, "get", Path);
        return slice;
    }

    private static ReadOnlySpan<byte> PinnedValue(nint slice)
    {
        nuint length;
        var value = RocksDbNative.rocksdb_pinnableslice_value(slice, &length);
        return new ReadOnlySpan<byte>(value, checked((int)length));
    }

    // Property names are short ASCII; the stack buffer avoids an allocation for metrics polled in a loop.
    private static ReadOnlySpan<byte> EncodeName(string name, Span<byte> buffer)
    {
        if (name.Contains('\0'))
        {
            throw new ArgumentException("The property name must not contain NUL characters.", nameof(name));
        }

        var needed = Encoding.UTF8.GetByteCount(name) + 1;
        if (needed > buffer.Length)
        {
            buffer = new byte[needed];
        }

        var written = Encoding.UTF8.GetBytes(name, buffer);
        buffer[written] = 0;
        return buffer[..(written + 1)];
    }
}
