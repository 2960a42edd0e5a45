using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace KinesisGrains.Abstractions.Hashing;

/// <summary>
/// The hash Kinesis gives a partition key: MD5 of its UTF-8 bytes read as an unsigned big-endian 128-bit number.
/// Partitions use the same hash, so a key's partition lines up with its shard's hash range.
/// </summary>
internal static class KeyHash
{
    // 256 characters (the partition key limit) need at most 768 UTF-8 bytes.
    private const int StackBufferSize = 1024;

    // Without it every call zeroes the whole stack buffer, which cost more than the UTF-8 encoding.
    [SkipLocalsInit]
    public static UInt128 Of(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var maxBytes = Encoding.UTF8.GetMaxByteCount(key.Length);
        byte[]? rented = null;
        var buffer = maxBytes <= StackBufferSize ? stackalloc byte[StackBufferSize] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var length = Encoding.UTF8.GetBytes(key, buffer);
            return ShortMd5.HashKey(buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
