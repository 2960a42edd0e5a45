using KinesisGrains.KeyedState.RocksDb;

namespace KinesisGrains.KeyedState.Storage;

/// <summary>An <see cref="IKeyValueBatch"/> over a <see cref="RocksDbWriteBatch"/>, writable only to the store that made it.</summary>
internal sealed class RocksDbKeyValueBatch : IKeyValueBatch
{
    internal RocksDbKeyValueBatch(RocksDbKeyValueStore store)
    {
        Store = store;
    }

    public int Count => Batch.Count;

    internal RocksDbKeyValueStore Store { get; }

    internal RocksDbWriteBatch Batch { get; } = new();

    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Batch.Put(key, value);

    public void Delete(ReadOnlySpan<byte> key) => Batch.Delete(key);

    /// <summary>Adds a merge operand; the store's DB must have been opened with a merge operator.</summary>
    public void Merge(ReadOnlySpan<byte> key, ReadOnlySpan<byte> operand) => Batch.Merge(key, operand);

    public void Clear() => Batch.Clear();

    public void Dispose() => Batch.Dispose();
}
