using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RocksDbSharp;

namespace KinesisGrains.KeyedState.RocksDb.Interop;

/// <summary>Turns RocksDB's error status, raw or as the package's exception, into a <see cref="RocksDbException"/>.</summary>
internal static class NativeError
{
    /// <summary>Throws when <paramref name="error"/> (an <c>errptr</c> result) is set; the message is copied and released.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ThrowIfFailed(nint error, string operation, string path, string? target = null)
    {
        if (error != 0)
        {
            Throw(error, operation, path, target);
        }
    }

    /// <summary>Our exception for one the package threw, keeping RocksDB's status text and the original as inner.</summary>
    public static RocksDbException From(RocksDbSharpException error, string operation, string path, string? target = null) =>
        new(operation, path, error.Message, target, error);

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
            Native.Instance.rocksdb_free(error);
        }

        throw new RocksDbException(operation, path, message, target);
    }
}
