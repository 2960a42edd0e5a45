using KinesisGrains.RocksDb.Native;

namespace KinesisGrains.RocksDb;

/// <summary>
/// Writes collected in native memory and applied atomically by <see cref="RocksDatabase.Write"/>. Not thread-safe: use one
/// batch per thread. A batch can be written, cleared and reused.
/// </summary>
public sealed unsafe class RocksDbWriteBatch : IDisposable
{
    public RocksDbWriteBatch()
    {
        Handle = new SafeWriteBatchHandle(RocksDbNative.rocksdb_writebatch_create());
    }

    /// <summary>The number of operations in the batch.</summary>
    public int Count
    {
        get
        {
            using var lease = new HandleLease(Handle, this);
            return RocksDbNative.rocksdb_writebatch_count(lease.Pointer);
        }
    }

    internal SafeWriteBatchHandle Handle { get; }

    /// <summary>Adds a put; both spans are copied into the batch.</summary>
    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        using var lease = new HandleLease(Handle, this);
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            RocksDbNative.rocksdb_writebatch_put(
                lease.Pointer, NativeBytes.OrEmpty(k), (nuint)key.Length, NativeBytes.OrEmpty(v), (nuint)value.Length);
        }
    }

    public void Delete(ReadOnlySpan<byte> key)
    {
        using var lease = new HandleLease(Handle, this);
        fixed (byte* k = key)
        {
            RocksDbNative.rocksdb_writebatch_delete(lease.Pointer, NativeBytes.OrEmpty(k), (nuint)key.Length);
        }
    }

    /// <summary>Adds a merge operand; the DB it is written to must have a merge operator.</summary>
    public void Merge(ReadOnlySpan<byte> key, ReadOnlySpan<byte> operand)
    {
        using var lease = new HandleLease(Handle, this);
        fixed (byte* k = key)
        fixed (byte* v = operand)
        {
            RocksDbNative.rocksdb_writebatch_merge(
                lease.Pointer, NativeBytes.OrEmpty(k), (nuint)key.Length, NativeBytes.OrEmpty(v), (nuint)operand.Length);
        }
    }

    /// <summary>Removes every operation, keeping the allocated buffer for reuse.</summary>
    public void Clear()
    {
        using var lease = new HandleLease(Handle, this);
        RocksDbNative.rocksdb_writebatch_clear(lease.Pointer);
    }

    public void Dispose() => Handle.Dispose();
}
