using KinesisGrains.KeyedState.RocksDb.Interop;

namespace KinesisGrains.KeyedState.RocksDb;

/// <summary>
/// Writes collected in native memory and applied atomically by <see cref="RocksDatabase.Write"/>. Not thread-safe: use one
/// batch per thread. A batch can be written, cleared and reused.
/// </summary>
internal sealed class RocksDbWriteBatch : IDisposable
{
    public RocksDbWriteBatch()
    {
        Handle = SafeWriteBatchHandle.Create();
    }

    /// <summary>The number of operations in the batch.</summary>
    public int Count
    {
        get
        {
            using var lease = new HandleLease(Handle, this);
            return Handle.Batch.Count();
        }
    }

    internal SafeWriteBatchHandle Handle { get; }

    /// <summary>Adds a put; both spans are copied into the batch.</summary>
    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        using var lease = new HandleLease(Handle, this);
        Handle.Batch.Put(NativeBytes.NonNull(key), NativeBytes.NonNull(value));
    }

    public void Delete(ReadOnlySpan<byte> key)
    {
        using var lease = new HandleLease(Handle, this);
        Handle.Batch.Delete(NativeBytes.NonNull(key));
    }

    /// <summary>Adds the deletion of every key in [<paramref name="lowerInclusive"/>, <paramref name="upperExclusive"/>) as one range tombstone.</summary>
    public void DeleteRange(ReadOnlySpan<byte> lowerInclusive, ReadOnlySpan<byte> upperExclusive)
    {
        using var lease = new HandleLease(Handle, this);
        var lower = lowerInclusive.ToArray();
        var upper = upperExclusive.ToArray();
        Handle.Batch.DeleteRange(lower, (ulong)lower.Length, upper, (ulong)upper.Length);
    }

    /// <summary>Adds a merge operand; the DB it is written to must have a merge operator.</summary>
    public void Merge(ReadOnlySpan<byte> key, ReadOnlySpan<byte> operand)
    {
        using var lease = new HandleLease(Handle, this);
        Handle.Batch.Merge(NativeBytes.NonNull(key), NativeBytes.NonNull(operand));
    }

    /// <summary>Removes every operation, keeping the allocated buffer for reuse.</summary>
    public void Clear()
    {
        using var lease = new HandleLease(Handle, this);
        Handle.Batch.Clear();
    }

    public void Dispose() => Handle.Dispose();
}
