using KinesisGrains.KeyedState.RocksDb;

namespace KinesisGrains.KeyedState.Storage;

/// <summary>The grain runtime's <see cref="IKeyValueStore"/> over a <see cref="RocksDatabase"/>.</summary>
internal sealed class RocksDbKeyValueStore : IKeyValueStore
{
    private readonly bool _ownsDatabase;

    /// <param name="database">The DB to read and write.</param>
    /// <param name="ownsDatabase">Whether <see cref="Dispose"/> also disposes <paramref name="database"/>.</param>
    public RocksDbKeyValueStore(RocksDatabase database, bool ownsDatabase = true)
    {
        ArgumentNullException.ThrowIfNull(database);
        Database = database;
        _ownsDatabase = ownsDatabase;
    }

    /// <summary>The underlying DB, for checkpoints, flushes and properties.</summary>
    public RocksDatabase Database { get; }

    /// <summary>Opens a DB and wraps it in a store that owns it.</summary>
    public static RocksDbKeyValueStore Open(string path, RocksDbOptions options, RocksDbBlockCache? sharedCache = null) =>
        new(RocksDatabase.Open(path, options, sharedCache), ownsDatabase: true);

    public byte[]? Get(ReadOnlySpan<byte> key) => Database.Get(key);

    public IKeyValueBatch CreateBatch() => new RocksDbKeyValueBatch(this);

    /// <exception cref="ArgumentException"><paramref name="batch"/> was not created by this store.</exception>
    public void Write(IKeyValueBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch is not RocksDbKeyValueBatch own || !ReferenceEquals(own.Store, this))
        {
            throw new ArgumentException("The batch was not created by this store's CreateBatch.", nameof(batch));
        }

        Database.Write(own.Batch);
    }

    /// <summary>Visits [<paramref name="lowerInclusive"/>, <paramref name="upperExclusive"/>); an empty upper bound means none.</summary>
    public void Scan(ReadOnlySpan<byte> lowerInclusive, ReadOnlySpan<byte> upperExclusive, KeyValueVisitor visitor)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        using var iterator = Database.NewIterator(lowerInclusive, upperExclusive);
        for (iterator.SeekToFirst(); iterator.Valid; iterator.Next())
        {
            if (!visitor(iterator.Key, iterator.Value))
            {
                return;
            }
        }
    }

    public void CreateCheckpoint(string directory) => Database.CreateCheckpoint(directory);

    public SortedFileWriter CreateSortedFileWriter(string file) => Database.CreateSortedFileWriter(file);

    public void IngestFiles(IReadOnlyList<string> files) => Database.IngestFiles(files);

    public void DropRange(ReadOnlySpan<byte> lowerInclusive, ReadOnlySpan<byte> upperExclusive)
    {
        Database.DeleteFilesInRange(lowerInclusive, upperExclusive);
        var left = false;
        Scan(lowerInclusive, upperExclusive, (_, _) => !(left = true));
        if (!left)
        {
            return;
        }

        using (var batch = new RocksDbWriteBatch())
        {
            batch.DeleteRange(lowerInclusive, upperExclusive);
            Database.Write(batch);
        }

        Database.CompactRange(lowerInclusive, upperExclusive);
    }

    /// <summary>Fsyncs the WAL (<see cref="RocksDatabase.SyncWal"/>): every write so far survives a host crash.</summary>
    public void SyncWal() => Database.SyncWal();

    public void Dispose()
    {
        if (_ownsDatabase)
        {
            Database.Dispose();
        }
    }
}
