using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KinesisGrains.RocksDb.Native;

/// <summary>Turns a RocksDB <c>errptr</c> result into a <see cref="RocksDbException"/>.</summary>
internal static class NativeError
{
    /// <summary>Throws when <paramref name="error"/> is set; the message is copied and released either way.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ThrowIfFailed(nint error, string operation, string path, string? target = null)
    {
        if (error != 0)
        {
            Throw(error, operation, path, target);
        }
    }

    // Kept out of line so the success path of every hot call stays small.
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(nint error, string operation, string path, string? target)
    {
        string message;
        try
        {
            message = Marshal.PtrToStringUTF8(error) ?? string.Empty;
        }
        finally
        {
            RocksDbNative.rocksdb_free(error);
        }

        throw new RocksDbException(operation, path, message, target);
    }
}
