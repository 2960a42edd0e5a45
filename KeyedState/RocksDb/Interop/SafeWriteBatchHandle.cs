using RocksDbSharp;

namespace KinesisGrains.KeyedState.RocksDb.Interop;

/// <summary>Owns a package <see cref="WriteBatch"/>, which has no finalizer of its own.</summary>
internal sealed class SafeWriteBatchHandle : RocksDbSafeHandle
{
    private SafeWriteBatchHandle(WriteBatch batch)
        : base(batch.Handle)
    {
        Batch = batch;
    }

    /// <summary>The batch; use it only under a <see cref="HandleLease"/>.</summary>
    public WriteBatch Batch { get; }

    public static SafeWriteBatchHandle Create() => new(new WriteBatch());

    protected override bool ReleaseHandle()
    {
        Batch.Dispose();
        return true;
    }
}
