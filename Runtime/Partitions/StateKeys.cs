using System.Buffers.Binary;
using System.Text;

namespace KinesisGrains.Runtime.Partitions;

/// <summary>
/// The layout of keys in the state store. Every key starts with the partition number (2 bytes, big-endian) so a
/// partition's data is one contiguous range; then a kind byte: 0 for partition metadata (source high-water marks),
/// 1 for grain state, followed by the grain type name, a 0 byte and the grain key in UTF-8.
/// </summary>
internal static class StateKeys
{
    private const byte MetadataKind = 0;
    private const byte GrainStateKind = 1;
    private static readonly byte[] s_highWaterMarkTag = "hwm:"u8.ToArray();

    public static byte[] GrainState(int partition, string grainType, string grainKey)
    {
        var key = new byte[3 + Encoding.UTF8.GetByteCount(grainType) + 1 + Encoding.UTF8.GetByteCount(grainKey)];
        BinaryPrimitives.WriteUInt16BigEndian(key, (ushort)partition);
        key[2] = GrainStateKind;
        var offset = 3 + Encoding.UTF8.GetBytes(grainType, key.AsSpan(3));
        key[offset++] = 0;
        Encoding.UTF8.GetBytes(grainKey, key.AsSpan(offset));
        return key;
    }

    public static byte[] HighWaterMark(int partition, string shardId)
    {
        var key = new byte[3 + s_highWaterMarkTag.Length + Encoding.UTF8.GetByteCount(shardId)];
        WriteMetadataPrefix(partition, key);
        Encoding.UTF8.GetBytes(shardId, key.AsSpan(3 + s_highWaterMarkTag.Length));
        return key;
    }

    /// <summary>The [lower, upper) range of a partition's high-water mark keys.</summary>
    public static (byte[] Lower, byte[] Upper) HighWaterMarkRange(int partition)
    {
        var lower = new byte[3 + s_highWaterMarkTag.Length];
        WriteMetadataPrefix(partition, lower);
        var upper = (byte[])lower.Clone();
        upper[^1]++;
        return (lower, upper);
    }

    public static string ShardIdOfHighWaterMark(ReadOnlySpan<byte> key) =>
        Encoding.UTF8.GetString(key[(3 + s_highWaterMarkTag.Length)..]);

    private static void WriteMetadataPrefix(int partition, Span<byte> key)
    {
        BinaryPrimitives.WriteUInt16BigEndian(key, (ushort)partition);
        key[2] = MetadataKind;
        s_highWaterMarkTag.CopyTo(key[3..]);
    }
}
