using System.Buffers;
using KinesisGrains.KeyedState.RocksDb.Interop;
using RocksDbSharp;

namespace KinesisGrains.KeyedState.RocksDb;

/// <summary>
/// An open RocksDB database (default column family only). Reads, writes and iterator creation are thread-safe.
/// </summary>
/// <remarks>
/// Every call holds a reference on the native handle, so <see cref="Dispose"/> never frees the DB under a running call:
/// the close happens when the last in-flight call returns and the last iterator is disposed. Calls started after
/// Dispose throw <see cref="ObjectDisposedException"/>. Built on the RocksDB package (RocksDbSharp, RocksDB 11.12).
/// </remarks>
internal sealed unsafe class RocksDatabase : IDisposable
{
    private readonly SafeDbHandle _db;
    private long _walSyncs;

    private RocksDatabase(SafeDbHandle db, string path)
    {
        _db = db;
        Path = path;
    }

    /// <summary>The full path of the DB folder.</summary>
    public string Path { get; }

    /// <summary>Opens (or, with <see cref="RocksDbOptions.CreateIfMissing"/>, creates) the DB in folder <paramref name="path"/>.</summary>
    /// <param name="sharedCache">A block cache shared with other DBs; when null the DB gets its own of
    /// <see cref="RocksDbOptions.BlockCacheBytes"/>.</param>
    /// <exception cref="Orleans.Runtime.OrleansConfigurationException">The options break a rule of <see cref="RocksDbOptionsValidator"/>.</exception>
    /// <exception cref="RocksDbException">RocksDB could not open the DB; the message names the path.</exception>
    public static RocksDatabase Open(string path, RocksDbOptions options, RocksDbBlockCache? sharedCache = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(options);
        NativeBytes.ThrowIfContainsNul(path, nameof(path));
        new RocksDbOptionsValidator(options).ValidateConfiguration();

        var fullPath = System.IO.Path.GetFullPath(path);
        var packageOptions = PackageOptions.From(options, sharedCache);
        try
        {
            return new RocksDatabase(SafeDbHandle.Open(fullPath, packageOptions), fullPath);
        }
        catch (RocksDbSharpException e)
        {
            throw NativeError.From(e, "open", fullPath);
        }
    }

    /// <summary>Reads the value of <paramref name="key"/> into a new array; null when the key is absent.</summary>
    public byte[]? Get(ReadOnlySpan<byte> key)
    {
        using var lease = new HandleLease(_db, this);
        try
        {
            return _db.Db.Get(NativeBytes.NonNull(key), cf: null, _db.Options.Read);
        }
        catch (RocksDbSharpException e)
        {
            throw NativeError.From(e, "get", Path);
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
        using var copy = BufferWriterCopier.Into(destination);
        try
        {
            return _db.Db.Get(NativeBytes.NonNull(key), copy.Copier, cf: null, _db.Options.Read);
        }
        catch (RocksDbSharpException e)
        {
            throw NativeError.From(e, "get", Path);
        }
    }

    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        using var lease = new HandleLease(_db, this);
        try
        {
            _db.Db.Put(NativeBytes.NonNull(key), NativeBytes.NonNull(value), cf: null, _db.Options.Write);
        }
        catch (RocksDbSharpException e)
        {
            throw NativeError.From(e, "put", Path);
        }
    }

    /// <summary>Removes <paramref name="key"/>; removing an absent key is not an error.</summary>
    public void Delete(ReadOnlySpan<byte> key)
    {
        using var lease = new HandleLease(_db, this);
        try
        {
            _db.Db.Remove(NativeBytes.NonNull(key), cf: null, _db.Options.Write);
        }
        catch (RocksDbSharpException e)
        {
            throw NativeError.From(e, "delete", Path);
        }
    }

    /// <summary>Adds a merge operand for <paramref name="key"/>; needs <see cref="RocksDbOptions.MergeOperator"/>.</summary>
    public void Merge(ReadOnlySpan<byte> key, ReadOnlySpan<byte> operand)
    {
        using var lease = new HandleLease(_db, this);
        try
        {
            _db.Db.Merge(NativeBytes.NonNull(key), NativeBytes.NonNull(operand), cf: null, _db.Options.Write);
        }
        catch (RocksDbSharpException e)
        {
            throw NativeError.From(e, "merge", Path);
        }
    }

    /// <summary>Applies every operation of <paramref name="batch"/> atomically. The batch is left as it was.</summary>
    public void Write(RocksDbWriteBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var lease = new HandleLease(_db, this);
        using var batchLease = new HandleLease(batch.Handle, batch);
        try
        {
            _db.Db.Write(batch.Handle.Batch, _db.Options.Write);
        }
        catch (RocksDbSharpException e)
        {
            throw NativeError.From(e, "write", Path);
        }
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
        NativeBytes.ThrowIfContainsNul(directory, nameof(directory));
        var fullDirectory = System.IO.Path.GetFullPath(directory);

        using var lease = new HandleLease(_db, this);
        try
        {
            // Declared after the lease, so it is destroyed while the DB is still held.
            using var checkpoint = _db.Db.Checkpoint();
            checkpoint.Save(fullDirectory);
        }
        catch (RocksDbSharpException e)
        {
            throw NativeError.From(e, "checkpoint", Path, fullDirectory);
        }
    }

    /// <summary>
    /// A writer of one SST file with this DB's table options and compression, for <see cref="IngestFiles"/>: keys must
    /// be put in ascending byte order (a bulk load skips the memtable, its flushes and their compactions).
    /// </summary>
    public SortedFileWriter CreateSortedFileWriter(string file)
    {
        using var lease = new HandleLease(_db, this);
        return new SortedFileWriter(file, new ColumnFamilyOptions().SetBlockBasedTableFactory(_db.Options.Table).SetCompression(_db.Options.Compression));
    }

    /// <summary>Adds the finished SST files to the DB, moved in (files whose ranges overlap each get a newer sequence number: the later file wins).</summary>
    public void IngestFiles(IReadOnlyList<string> files)
    {
        using var lease = new HandleLease(_db, this);
        try
        {
            _db.Db.IngestExternalFiles([.. files.Select(f => System.IO.Path.GetFullPath(f))], new IngestExternalFileOptions().SetMoveFiles(true), null);
        }
        catch (RocksDbSharpException e)
        {
            throw NativeError.From(e, "ingest", Path, string.Join(", ", files));
        }
    }

    /// <summary>
    /// Drops the SST files whose keys all lie in [<paramref name="lowerInclusive"/>, <paramref name="limitInclusive"/>]
    /// (RocksDB's DeleteFilesInRange): no rewrite, but keys of the range in other files stay. Not for a DB a snapshot
    /// or iterator reads consistently (they may lose keys).
    /// </summary>
    public void DeleteFilesInRange(ReadOnlySpan<byte> lowerInclusive, ReadOnlySpan<byte> limitInclusive)
    {
        using var lease = new HandleLease(_db, this);
        nint error;
        fixed (byte* lower = lowerInclusive)
        fixed (byte* limit = limitInclusive)
        {
            Native.Instance.rocksdb_delete_file_in_range(lease.Pointer, lower, (nuint)lowerInclusive.Length, limit, (nuint)limitInclusive.Length, out error);
        }

        NativeError.ThrowIfFailed(error, "delete files in range", Path);
    }

    /// <summary>Compacts the files that hold keys of [<paramref name="lowerInclusive"/>, <paramref name="limitInclusive"/>], dropping deleted keys for good.</summary>
    /// <param name="rewriteLastLevel">
    /// Rewrites the last level's files too, which RocksDB otherwise leaves as they are (a file moved down whole, like the
    /// first flush of an empty DB, keeps its size instead of being cut at <see cref="RocksDbOptions.TargetFileBytes"/>).
    /// </param>
    public void CompactRange(ReadOnlySpan<byte> lowerInclusive, ReadOnlySpan<byte> limitInclusive, bool rewriteLastLevel = false)
    {
        using var lease = new HandleLease(_db, this);
        var options = Native.Instance.rocksdb_compactoptions_create();
        try
        {
            // BottommostLevelCompaction: 1 is kIfHaveCompactionFilter (RocksDB's default), 2 is kForce.
            Native.Instance.rocksdb_compactoptions_set_bottommost_level_compaction(options, rewriteLastLevel ? (byte)2 : (byte)1);
            fixed (byte* lower = lowerInclusive)
            fixed (byte* limit = limitInclusive)
            {
                Native.Instance.rocksdb_compact_range_opt(lease.Pointer, options, lower, (nuint)lowerInclusive.Length, limit, (nuint)limitInclusive.Length);
            }
        }
        finally
        {
            Native.Instance.rocksdb_compactoptions_destroy(options);
        }
    }

    /// <summary>Flushes the memtables to SST files and waits for the flush to finish.</summary>
    public void Flush()
    {
        using var lease = new HandleLease(_db, this);
        try
        {
            _db.Db.Flush(new FlushOptions().SetWaitForFlush(true));
        }
        catch (RocksDbSharpException e)
        {
            throw NativeError.From(e, "flush", Path);
        }
    }

    /// <summary>
    /// Writes the WAL's buffered records to its file and fsyncs it: every write that returned before this call survives
    /// a host crash (power loss, kernel panic), not only a process kill. A DB opened with the WAL off has nothing to sync.
    /// </summary>
    public void SyncWal()
    {
        using var lease = new HandleLease(_db, this);
        Native.Instance.rocksdb_flush_wal(lease.Pointer, 1, out var error);
        NativeError.ThrowIfFailed(error, "sync WAL", Path);
        Interlocked.Increment(ref _walSyncs);
    }

    /// <summary>How many times <see cref="SyncWal"/> completed on this DB (for status and tests).</summary>
    public long WalSyncCount => Interlocked.Read(ref _walSyncs);

    /// <summary>The text of a DB property such as "rocksdb.stats"; null when RocksDB does not know the name.</summary>
    public string? GetProperty(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        NativeBytes.ThrowIfContainsNul(name, nameof(name));
        using var lease = new HandleLease(_db, this);
        return _db.Db.GetProperty(name);
    }

    /// <summary>
    /// The value of an integer DB property such as "rocksdb.estimate-num-keys"; null when the name is unknown or the
    /// property is not an integer.
    /// </summary>
    /// <remarks>The package reads properties only as text; metrics polled in a loop use the C API's integer form.</remarks>
    public ulong? GetIntProperty(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var nativeName = NativeBytes.ToNullTerminatedUtf8(name, stackalloc byte[256], nameof(name));

        using var lease = new HandleLease(_db, this);
        ulong value;
        int status;
        fixed (byte* n = nativeName)
        {
            status = Native.Instance.rocksdb_property_int(lease.Pointer, (nint)n, (nint)(&value));
        }

        return status == 0 ? value : null;
    }

    /// <summary>Closes the DB once in-flight calls have returned and open iterators are disposed.</summary>
    public void Dispose() => _db.Dispose();
}
