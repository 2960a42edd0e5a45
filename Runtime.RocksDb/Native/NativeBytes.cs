using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace KinesisGrains.RocksDb.Native;

/// <summary>Helpers to hand managed bytes and strings to the C API.</summary>
internal static unsafe class NativeBytes
{
    // c.h requires non-NULL pointers, but `fixed` over an empty span yields NULL; zero-length slices point here instead.
    private static readonly byte* s_empty = (byte*)NativeMemory.AllocZeroed(1);

    /// <summary><paramref name="pointer"/>, or a valid dummy address when it is NULL (an empty span).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* OrEmpty(byte* pointer) => pointer != null ? pointer : s_empty;

    /// <summary>Encodes <paramref name="value"/> as NUL-terminated UTF-8 for paths and property names.</summary>
    public static byte[] ToNullTerminatedUtf8(string value, string parameterName)
    {
        if (value.Contains('\0'))
        {
            throw new ArgumentException("The value must not contain NUL characters.", parameterName);
        }

        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }
}
