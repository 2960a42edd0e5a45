namespace KinesisGrains.KeyedState.Export;

/// <summary>One key's state as a snapshot holds it.</summary>
/// <param name="Key">The state key (the record's partition key, for the built-in aggregations).</param>
/// <param name="Value">The stored bytes: the state serialized as UTF-8 JSON by the partition grains.</param>
public readonly record struct StateEntry(string Key, byte[] Value);
