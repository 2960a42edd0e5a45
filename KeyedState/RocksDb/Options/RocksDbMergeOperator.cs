namespace KinesisGrains.KeyedState.RocksDb;

/// <summary>The merge operator a DB is opened with; <see cref="RocksDatabase.Merge"/> needs one.</summary>
public enum RocksDbMergeOperator
{
    /// <summary>No merge operator: merges fail.</summary>
    None,

    /// <summary>
    /// RocksDB's built-in counter: each operand and the stored value are 8-byte little-endian unsigned integers that
    /// are summed (wrapping). Operands of any other size are logged by RocksDB and count as 0.
    /// </summary>
    UInt64Add,
}
