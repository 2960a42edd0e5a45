namespace KinesisGrains.KeyedState.Storage;

/// <summary>
/// An ordered, local key-value store that holds grain state (RocksDB in production). Keys are compared bytewise.
/// Reads and single writes are thread-safe; a batch belongs to one thread at a time.
/// </summary>
internal interface IKeyValueStore : IDisposable
{
    /// <summary>Reads the value of <paramref name="key"/>; <see langword="null"/> when the key is absent.</summary>
    byte[]? Get(ReadOnlySpan<byte> key);

    /// <summary>Creates an empty batch; nothing in it is visible until <see cref="Write"/>.</summary>
    IKeyValueBatch CreateBatch();

    /// <summary>Applies every operation of <paramref name="batch"/> atomically.</summary>
    void Write(IKeyValueBatch batch);

    /// <summary>Visits the entries in [<paramref name="lowerInclusive"/>, <paramref name="upperExclusive"/>) in key order.</summary>
    /// <param name="visitor">Gets the key and value, valid only during the call; returns false to stop.</param>
    void Scan(ReadOnlySpan<byte> lowerInclusive, ReadOnlySpan<byte> upperExclusive, KeyValueVisitor visitor);

    /// <summary>
    /// Writes a consistent copy of the store to <paramref name="directory"/> (which must not exist), cheaply: immutable
    /// files are hard-linked. Safe while other threads write.
    /// </summary>
    void CreateCheckpoint(string directory);

    /// <summary>A writer of one file of keys in ascending order, to bulk-load with <see cref="IngestFiles"/>.</summary>
    RocksDb.SortedFileWriter CreateSortedFileWriter(string file);

    /// <summary>Moves finished sorted files into the store (a later file's key wins over an earlier one's).</summary>
    void IngestFiles(IReadOnlyList<string> files);

    /// <summary>
    /// Removes every key in [<paramref name="lowerInclusive"/>, <paramref name="upperExclusive"/>] by range, not key by
    /// key: the files wholly inside it are dropped, the rest covered by one range deletion and the range compacted, so
    /// no file (and no snapshot) keeps its keys. No key may equal <paramref name="upperExclusive"/>
    /// (<see cref="StateKeys.GroupRange"/>'s bounds are such).
    /// </summary>
    void DropRange(ReadOnlySpan<byte> lowerInclusive, ReadOnlySpan<byte> upperExclusive);
}

/// <summary>Receives one entry of a scan; the spans point into the store's memory and are valid only during the call.</summary>
internal delegate bool KeyValueVisitor(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);
