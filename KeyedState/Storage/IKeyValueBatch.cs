namespace KinesisGrains.KeyedState.Storage;

/// <summary>A set of writes applied atomically by <see cref="IKeyValueStore.Write"/>.</summary>
internal interface IKeyValueBatch : IDisposable
{
    int Count { get; }

    void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    void Delete(ReadOnlySpan<byte> key);

    void Clear();
}
