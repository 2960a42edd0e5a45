using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace KinesisGrains.KeyedState.RocksDb.Interop;

/// <summary>Helpers to hand managed bytes and strings to RocksDB.</summary>
internal static unsafe class NativeBytes
{
    // c.h wants valid pointers even for zero-length slices, but an empty span pins to NULL; those point here instead.
    private static readonly byte* s_empty = (byte*)NativeMemory.AllocZeroed(1);

    /// <summary><paramref name="pointer"/>, or a valid dummy address when it is NULL (an empty span).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* OrEmpty(byte* pointer) => pointer != null ? pointer : s_empty;

    /// <summary>
    /// <paramref name="bytes"/>, or a zero-length span over a valid address when it is empty. The package pins spans with
    /// <see cref="MemoryMarshal.GetReference{T}(ReadOnlySpan{T})"/>, which keeps that address.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> NonNull(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? new ReadOnlySpan<byte>(s_empty, 0) : bytes;

    /// <summary>Throws an <see cref="ArgumentException"/> for a NUL character, which would cut a C string short.</summary>
    public static void ThrowIfContainsNul(string value, string parameterName)
    {
        if (value.Contains('\0'))
        {
            throw new ArgumentException("The value must not contain NUL characters.", parameterName);
        }
    }

    /// <summary>
    /// <paramref name="value"/> as NUL-terminated UTF-8 in <paramref name="buffer"/>, or in a new array when it does not
    /// fit; the stack buffer spares an allocation for property names polled in a loop.
    /// </summary>
    public static ReadOnlySpan<byte> ToNullTerminatedUtf8(string value, Span<byte> buffer, string parameterName)
    {
        ThrowIfContainsNul(value, parameterName);
        var needed = Encoding.UTF8.GetByteCount(value) + 1;
        if (needed > buffer.Length)
        {
            buffer = new byte[needed];
        }

        var written = Encoding.UTF8.GetBytes(value, buffer);
        buffer[written] = 0;
        return buffer[..(written + 1)];
    }
}
