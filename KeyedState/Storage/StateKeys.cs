using System.Text;

namespace KinesisGrains.KeyedState.Storage;

/// <summary>
/// The layout of keys in a partition's RocksDB: a kind byte, then the rest. 0: partition metadata (per shard, the
/// high-water mark of applied events and the position the partition has seen everything up to); 1: a key's state in
/// the layout before key groups (<see cref="KeyGroupUpgrade"/> moves it to kind 8 when a store opens); 2: a dead letter staged with the state, not written out yet, followed by its
/// record's shard id, a zero byte, its sequence number and its sub-sequence number (8 bytes, big-endian); 3: a row
/// the logic emitted, staged for its sinks, followed by the epoch it belongs to and its number in the epoch (8 and 4
/// bytes, big-endian); 4: a changelog row, followed by its epoch (8 bytes, big-endian) and the key in UTF-8, so a key
/// written again in the same epoch overwrites its row; 5: a timer, followed by its time domain, its time (ms, 8 bytes
/// big-endian with the sign bit flipped, so byte order is time order), its purpose and the key in UTF-8; 6: when a key
/// was last touched, in the layout before key groups (moved to kind 9); 7: a part of a key's state that a rescale brought
/// from an old partition, not merged yet, followed by that partition's number (4 bytes, big-endian), the key group and
/// the key in UTF-8;
/// 8: a key's state, followed by its key group (2 bytes, big-endian) and the key in UTF-8; 9: when a key was last touched
/// (its time-to-live runs from there), followed by its key group and the key in UTF-8.
/// </summary>
/// <remarks>
/// A key's group is the top 16 bits of its hash (<see cref="KeyGroups"/>), so a partition's keys, whose hashes are one
/// contiguous slice, are a few contiguous ranges of the store, and a rescale splits and merges stores by range.
/// </remarks>
internal static class StateKeys
{
    internal const byte MetadataKind = 0;
    internal const byte LegacyStateKind = 1;
    internal const byte DeadLetterKind = 2;
    internal const byte EmittedRowKind = 3;
    internal const byte ChangelogRowKind = 4;
    internal const byte TimerKind = 5;
    internal const byte LegacyTouchedKind = 6;
    internal const byte PartKind = 7;
    internal const byte StateKind = 8;
    internal const byte TouchedKind = 9;

    /// <summary>The bytes before the key's UTF-8 in a state or touched key: the kind and the key group.</summary>
    public const int GroupedPrefixLength = 1 + KeyGroups.GroupBytes;
    private static readonly byte[] s_highWaterMarkTag = "hwm:"u8.ToArray();
    private static readonly byte[] s_coveredTag = "cov:"u8.ToArray();
    private static readonly byte[] s_watermarkTag = "wtm:"u8.ToArray();
    private static readonly byte[] s_floorsTag = "flr:"u8.ToArray();

    /// <summary>The partition ledger's epoch (checkpoint barriers vouched at).</summary>
    public static byte[] Epoch { get; } = [MetadataKind, .. "epoch"u8];

    /// <summary>The partition's event-time watermark.</summary>
    public static byte[] PartitionWatermark { get; } = [MetadataKind, .. "watermark"u8];

    public static int MaxStateKeyLength(string key) => GroupedPrefixLength + Encoding.UTF8.GetMaxByteCount(key.Length);

    /// <summary>Writes the store key of <paramref name="key"/>'s state; returns its length.</summary>
    public static int WriteState(string key, Span<byte> destination) => WriteGrouped(StateKind, key, destination);

    public static byte[] State(string key) => Grouped(StateKind, key);

    /// <summary>The store key of the state of the key whose UTF-8 is <paramref name="utf8Key"/>.</summary>
    public static byte[] State(ReadOnlySpan<byte> utf8Key) => Grouped(StateKind, utf8Key);

    /// <summary>The key (UTF-8) of a state or touched store key.</summary>
    public static ReadOnlySpan<byte> Utf8KeyOfGrouped(ReadOnlySpan<byte> storeKey) => storeKey[GroupedPrefixLength..];

    /// <summary>The key of a state or touched store key.</summary>
    public static string KeyOfGrouped(ReadOnlySpan<byte> storeKey) => Encoding.UTF8.GetString(storeKey[GroupedPrefixLength..]);

    /// <summary>The key group of a state or touched store key.</summary>
    public static int GroupOfGrouped(ReadOnlySpan<byte> storeKey) => System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(storeKey[1..]);

    /// <summary>
    /// The [lower, upper) range of <paramref name="kind"/>'s keys in groups <paramref name="firstGroup"/> to
    /// <paramref name="lastGroup"/>. The upper bound is the last group followed by 0xFF, a byte no UTF-8 has: it is above
    /// every key of the last group and no key equals it (so it can be an inclusive end, as RocksDB's file deletion takes).
    /// </summary>
    public static (byte[] Lower, byte[] Upper) GroupRange(byte kind, int firstGroup, int lastGroup)
    {
        var lower = new byte[GroupedPrefixLength];
        var upper = new byte[GroupedPrefixLength + 1];
        lower[0] = upper[0] = kind;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(lower.AsSpan(1), (ushort)firstGroup);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(upper.AsSpan(1), (ushort)lastGroup);
        upper[^1] = 0xFF;
        return (lower, upper);
    }

    private static int WriteGrouped(byte kind, string key, Span<byte> destination)
    {
        var length = Encoding.UTF8.GetBytes(key, destination[GroupedPrefixLength..]);
        destination[0] = kind;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(destination[1..], KeyGroups.Of(destination.Slice(GroupedPrefixLength, length)));
        return GroupedPrefixLength + length;
    }

    private static byte[] Grouped(byte kind, string key)
    {
        var storeKey = new byte[GroupedPrefixLength + Encoding.UTF8.GetByteCount(key)];
        WriteGrouped(kind, key, storeKey);
        return storeKey;
    }

    private static byte[] Grouped(byte kind, ReadOnlySpan<byte> utf8Key)
    {
        var storeKey = new byte[GroupedPrefixLength + utf8Key.Length];
        storeKey[0] = kind;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(storeKey.AsSpan(1), KeyGroups.Of(utf8Key));
        utf8Key.CopyTo(storeKey.AsSpan(GroupedPrefixLength));
        return storeKey;
    }

    /// <summary>The store key of the dead letter of a record: one per record.</summary>
    public static byte[] DeadLetter(string shardId, string sequenceNumber, long subSequenceNumber)
    {
        var key = new byte[1 + Encoding.UTF8.GetByteCount(shardId) + 1 + Encoding.UTF8.GetByteCount(sequenceNumber) + sizeof(long)];
        key[0] = DeadLetterKind;
        var at = 1 + Encoding.UTF8.GetBytes(shardId, key.AsSpan(1));
        key[at++] = 0;
        at += Encoding.UTF8.GetBytes(sequenceNumber, key.AsSpan(at));
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(at), subSequenceNumber);
        return key;
    }

    /// <summary>The [lower, upper) range of staged dead letters.</summary>
    public static (byte[] Lower, byte[] Upper) DeadLetterRange => ([DeadLetterKind], [DeadLetterKind + 1]);

    /// <summary>The length of an emitted row's store key.</summary>
    public const int EmittedRowKeyLength = 1 + sizeof(long) + sizeof(int);

    /// <summary>Writes the store key of the <paramref name="number"/>-th row emitted in <paramref name="epoch"/>.</summary>
    public static void WriteEmittedRow(long epoch, int number, Span<byte> destination)
    {
        destination[0] = EmittedRowKind;
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(destination[1..], epoch);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(destination[(1 + sizeof(long))..], number);
    }

    /// <summary>The store key of <paramref name="key"/>'s changelog row in <paramref name="epoch"/>.</summary>
    public static byte[] ChangelogRow(long epoch, string key)
    {
        var storeKey = new byte[1 + sizeof(long) + Encoding.UTF8.GetByteCount(key)];
        storeKey[0] = ChangelogRowKind;
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(storeKey.AsSpan(1), epoch);
        Encoding.UTF8.GetBytes(key, storeKey.AsSpan(1 + sizeof(long)));
        return storeKey;
    }

    /// <summary>The [lower, upper) range of emitted rows of epochs <paramref name="fromEpoch"/> to <paramref name="toEpoch"/>.</summary>
    public static (byte[] Lower, byte[] Upper) EmittedRowRange(long fromEpoch, long toEpoch) => EpochRange(EmittedRowKind, fromEpoch, toEpoch);

    /// <summary>The [lower, upper) range of changelog rows of epochs <paramref name="fromEpoch"/> to <paramref name="toEpoch"/>.</summary>
    public static (byte[] Lower, byte[] Upper) ChangelogRowRange(long fromEpoch, long toEpoch) => EpochRange(ChangelogRowKind, fromEpoch, toEpoch);

    /// <summary>The epoch of a staged row's store key.</summary>
    public static long EpochOfRow(ReadOnlySpan<byte> rowKey) => System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(rowKey[1..]);

    /// <summary>The number in its epoch of an emitted row's store key.</summary>
    public static int NumberOfEmittedRow(ReadOnlySpan<byte> rowKey) => System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(rowKey[(1 + sizeof(long))..]);

    /// <summary>The state key of a changelog row's store key.</summary>
    public static string KeyOfChangelogRow(ReadOnlySpan<byte> rowKey) => Encoding.UTF8.GetString(rowKey[(1 + sizeof(long))..]);

    private static (byte[] Lower, byte[] Upper) EpochRange(byte kind, long fromEpoch, long toEpoch)
    {
        var lower = new byte[1 + sizeof(long)];
        var upper = new byte[1 + sizeof(long)];
        lower[0] = upper[0] = kind;
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(lower.AsSpan(1), fromEpoch);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(upper.AsSpan(1), toEpoch + 1);
        return (lower, upper);
    }

    /// <summary>The length of a timer's store key before its key's UTF-8.</summary>
    public const int TimerPrefixLength = 1 + 1 + sizeof(long) + 1;

    /// <summary>The store key of a timer.</summary>
    public static byte[] Timer(byte domain, long time, byte purpose, string key)
    {
        var storeKey = new byte[TimerPrefixLength + Encoding.UTF8.GetByteCount(key)];
        WriteTimer(domain, time, purpose, key, storeKey);
        return storeKey;
    }

    /// <summary>The most bytes a timer's store key of <paramref name="key"/> takes.</summary>
    public static int MaxTimerLength(string key) => TimerPrefixLength + Encoding.UTF8.GetMaxByteCount(key.Length);

    /// <summary>Writes a timer's store key; returns its length.</summary>
    public static int WriteTimer(byte domain, long time, byte purpose, string key, Span<byte> destination)
    {
        WriteTimerPrefix(destination, domain, time, purpose);
        return TimerPrefixLength + Encoding.UTF8.GetBytes(key, destination[TimerPrefixLength..]);
    }

    /// <summary>The [lower, upper) range of <paramref name="domain"/>'s timers from <paramref name="from"/> to <paramref name="upTo"/> (inclusive; long.MaxValue: no end).</summary>
    public static (byte[] Lower, byte[] Upper) TimersDue(byte domain, long from, long upTo)
    {
        var lower = new byte[2 + sizeof(long)];
        lower[0] = TimerKind;
        lower[1] = domain;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(lower.AsSpan(2), FlipSign(from));
        if (upTo == long.MaxValue)
        {
            return (lower, [TimerKind, (byte)(domain + 1)]);
        }

        var upper = new byte[2 + sizeof(long)];
        upper[0] = TimerKind;
        upper[1] = domain;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(upper.AsSpan(2), FlipSign(upTo) + 1);
        return (lower, upper);
    }

    /// <summary>A timer's time, purpose and key, from its store key.</summary>
    public static (long Time, byte Purpose, string Key) ReadTimer(ReadOnlySpan<byte> storeKey) =>
        ((long)(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(storeKey[2..]) ^ SignBit),
         storeKey[TimerPrefixLength - 1],
         Encoding.UTF8.GetString(storeKey[TimerPrefixLength..]));

    /// <summary>The store key of the part of a key's state (<paramref name="utf8Key"/>) that old partition <paramref name="source"/> held.</summary>
    public static byte[] Part(int source, ReadOnlySpan<byte> utf8Key)
    {
        var storeKey = new byte[PartPrefixLength + utf8Key.Length];
        storeKey[0] = PartKind;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(storeKey.AsSpan(1), source);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(storeKey.AsSpan(1 + sizeof(int)), KeyGroups.Of(utf8Key));
        utf8Key.CopyTo(storeKey.AsSpan(PartPrefixLength));
        return storeKey;
    }

    /// <summary>The [lower, upper) range of parts not merged yet, by old partition, then key group and key.</summary>
    public static (byte[] Lower, byte[] Upper) PartRange => ([PartKind], [PartKind + 1]);

    /// <summary>The key of a part's store key.</summary>
    public static string KeyOfPart(ReadOnlySpan<byte> storeKey) => Encoding.UTF8.GetString(storeKey[PartPrefixLength..]);

    // The kind, the old partition and the key group: an old store's keys, read in its order, are parts in order.
    private const int PartPrefixLength = 1 + sizeof(int) + KeyGroups.GroupBytes;

    /// <summary>The store key of when <paramref name="key"/> was last touched.</summary>
    public static byte[] Touched(string key) => Grouped(TouchedKind, key);

    /// <summary>The store key of when the key whose UTF-8 is <paramref name="utf8Key"/> was last touched.</summary>
    public static byte[] Touched(ReadOnlySpan<byte> utf8Key) => Grouped(TouchedKind, utf8Key);

    private const ulong SignBit = 1UL << 63;

    private static ulong FlipSign(long time) => (ulong)time ^ SignBit;

    private static void WriteTimerPrefix(Span<byte> destination, byte domain, long time, byte purpose)
    {
        destination[0] = TimerKind;
        destination[1] = domain;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination[2..], FlipSign(time));
        destination[TimerPrefixLength - 1] = purpose;
    }

    public static byte[] ShardWatermark(string shardId) => Metadata(s_watermarkTag, shardId);

    /// <summary>The [lower, upper) range of shard watermark keys.</summary>
    public static (byte[] Lower, byte[] Upper) ShardWatermarkRange => Range(s_watermarkTag);

    public static byte[] HighWaterMark(string shardId) => Metadata(s_highWaterMarkTag, shardId);

    public static byte[] Covered(string shardId) => Metadata(s_coveredTag, shardId);

    /// <summary>The floors a rescale left for a shard (the ranges of keys inherited from other partitions).</summary>
    public static byte[] Floors(string shardId) => Metadata(s_floorsTag, shardId);

    /// <summary>The [lower, upper) range of floor keys.</summary>
    public static (byte[] Lower, byte[] Upper) FloorsRange => Range(s_floorsTag);

    /// <summary>The [lower, upper) range of high-water mark keys.</summary>
    public static (byte[] Lower, byte[] Upper) HighWaterMarkRange => Range(s_highWaterMarkTag);

    /// <summary>The [lower, upper) range of covered-position keys.</summary>
    public static (byte[] Lower, byte[] Upper) CoveredRange => Range(s_coveredTag);

    public static string ShardIdOf(ReadOnlySpan<byte> metadataKey) => Encoding.UTF8.GetString(metadataKey[(1 + s_highWaterMarkTag.Length)..]);

    private static byte[] Metadata(byte[] tag, string shardId)
    {
        var key = new byte[1 + tag.Length + Encoding.UTF8.GetByteCount(shardId)];
        key[0] = MetadataKind;
        tag.CopyTo(key, 1);
        Encoding.UTF8.GetBytes(shardId, key.AsSpan(1 + tag.Length));
        return key;
    }

    private static (byte[] Lower, byte[] Upper) Range(byte[] tag)
    {
        var lower = new byte[1 + tag.Length];
        lower[0] = MetadataKind;
        tag.CopyTo(lower, 1);
        var upper = (byte[])lower.Clone();
        upper[^1]++;
        return (lower, upper);
    }
}
