using System.Runtime.InteropServices;

namespace KinesisGrains.RocksDb.Native;

/// <summary>Base of the handles for RocksDB objects, all of which are plain pointers where 0 means "none".</summary>
internal abstract class RocksDbSafeHandle : SafeHandle
{
    protected RocksDbSafeHandle(nint handle)
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
        SetHandle(handle);
    }

    public sealed override bool IsInvalid => handle == 0;
}
