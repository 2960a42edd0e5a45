using System.Buffers.Binary;
using System.Text;
using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.Streaming.Kinesis.Source.Buffering;

/// <summary>
/// The spill file format: one frame per page, <c>u32 length | body</c>, little-endian. The body holds every field of
/// the page except the shard id (the file belongs to one shard). Strings are UTF-8 behind a varint of
/// <c>byteCount + 1</c>, where 0 stands for <c>null</c>.
/// </summary>
/// <remarks>
/// Body: <c>u8 version | i64 fetchedAt ticks | i16 offset minutes | i64 sizeBytes | i64 millisBehindLatest |
/// str? nextShardIterator | varint recordCount | record* | varint childCount | child*</c>;
/// record: <c>str sequenceNumber | i64 arrival ticks | i16 offset minutes | str partitionKey | str? encryptionType | varint dataLength | data</c>;
/// child: <c>str shardId | varint parentCount | str* | u128 startingHashKey | u128 endingHashKey</c>.
/// Frames never outlive the process, so the version byte is a guard against reading garbage, not a migration path.
/// </remarks>
internal static class SpillCodec
{
    public const int HeaderLength = sizeof(uint);

    /// <summary>The start of a frame the reader needs before reading the frame itself: length, version, fetch time.</summary>
    public const int PreambleLength = HeaderLength + 1 + sizeof(long) + sizeof(short);

    private const byte Version = 1;

    /// <summary>The exact frame length <see cref="Write"/> produces, header included.</summary>
    public static int GetFrameLength(FetchedPage page)
    {
        long length = HeaderLength + 1 + sizeof(long) + sizeof(short) + sizeof(long) + sizeof(long);
        length += StringLength(page.NextShardIterator);
        var records = page.Records;
        length += VarUIntLength((uint)records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            length += StringLength(record.SequenceNumber) + sizeof(long) + sizeof(short) + StringLength(record.PartitionKey)
                + StringLength(record.EncryptionType) + VarUIntLength((uint)record.Data.Length) + record.Data.Length;
        }

        var children = page.ChildShards;
        length += VarUIntLength((uint)children.Count);
        for (var i = 0; i < children.Count; i++)
        {
            var child = children[i];
            length += StringLength(child.ShardId) + VarUIntLength((uint)child.ParentShards.Count) + 2 * 16;
            for (var p = 0; p < child.ParentShards.Count; p++)
            {
                length += StringLength(child.ParentShards[p]);
            }
        }

        if (length > Array.MaxLength)
        {
            throw new ArgumentException($"A page of {page.ShardId} needs {length} bytes to spill, more than one frame can hold.", nameof(page));
        }

        return (int)length;
    }

    /// <summary>Writes <paramref name="page"/> into <paramref name="frame"/>, which must be exactly <see cref="GetFrameLength"/> long.</summary>
    public static void Write(FetchedPage page, Span<byte> frame)
    {
        var writer = new Writer(frame);
        writer.UInt32((uint)(frame.Length - HeaderLength));
        writer.Byte(Version);
        writer.Timestamp(page.FetchedAt);
        writer.Int64(page.SizeBytes);
        writer.Int64(page.MillisBehindLatest);
        writer.String(page.NextShardIterator);
        var records = page.Records;
        writer.VarUInt((uint)records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            writer.String(record.SequenceNumber);
            writer.Timestamp(record.ApproximateArrivalTimestamp);
            writer.String(record.PartitionKey);
            writer.String(record.EncryptionType);
            writer.VarUInt((uint)record.Data.Length);
            writer.Bytes(record.Data);
        }

        var children = page.ChildShards;
        writer.VarUInt((uint)children.Count);
        for (var i = 0; i < children.Count; i++)
        {
            var child = children[i];
            writer.String(child.ShardId);
            writer.VarUInt((uint)child.ParentShards.Count);
            for (var p = 0; p < child.ParentShards.Count; p++)
            {
                writer.String(child.ParentShards[p]);
            }

            writer.UInt128(child.HashKeyRange.StartingHashKey);
            writer.UInt128(child.HashKeyRange.EndingHashKey);
        }

        if (writer.Position != frame.Length)
        {
            throw new InvalidOperationException($"Spill frame length mismatch: wrote {writer.Position} of {frame.Length} bytes.");
        }
    }

    /// <summary>Reads the length (header included) and fetch time of the frame that starts with <paramref name="preamble"/>.</summary>
    public static (int FrameLength, DateTimeOffset FetchedAt) ReadPreamble(ReadOnlySpan<byte> preamble)
    {
        var reader = new Reader(preamble[..PreambleLength]);
        var bodyLength = reader.UInt32();
        if (bodyLength > Array.MaxLength - HeaderLength || bodyLength < PreambleLength - HeaderLength || reader.Byte() != Version)
        {
            throw new InvalidDataException("Corrupt spill frame: bad length or version.");
        }

        return ((int)bodyLength + HeaderLength, reader.Timestamp());
    }

    /// <summary>Reads back one whole frame, header included, of the shard <paramref name="shardId"/>.</summary>
    public static FetchedPage Read(string shardId, ReadOnlySpan<byte> frame)
    {
        var reader = new Reader(frame);
        var bodyLength = reader.UInt32();
        if (bodyLength != frame.Length - HeaderLength)
        {
            throw new InvalidDataException($"Corrupt spill frame of {shardId}: its header says {bodyLength} bytes, the reader expected {frame.Length - HeaderLength}.");
        }

        if (reader.Byte() != Version)
        {
            throw new InvalidDataException($"Corrupt spill frame of {shardId}: unknown version.");
        }

        var fetchedAt = reader.Timestamp();
        var sizeBytes = reader.Int64();
        var millisBehindLatest = reader.Int64();
        var nextShardIterator = reader.String();
        var records = new KinesisRecord[reader.Count()];
        for (var i = 0; i < records.Length; i++)
        {
            var sequenceNumber = reader.RequiredString();
            var arrival = reader.Timestamp();
            var partitionKey = reader.RequiredString();
            var encryptionType = reader.EncryptionType();
            var data = reader.Bytes(reader.Count()).ToArray();
            records[i] = new KinesisRecord(sequenceNumber, arrival, data, partitionKey, encryptionType);
        }

        var childCount = reader.Count();
        var children = childCount == 0 ? [] : new ChildShard[childCount];
        for (var i = 0; i < children.Length; i++)
        {
            var childShardId = reader.RequiredString();
            var parents = new string[reader.Count()];
            for (var p = 0; p < parents.Length; p++)
            {
                parents[p] = reader.RequiredString();
            }

            var start = reader.UInt128();
            children[i] = new ChildShard(childShardId, parents, new HashKeyRange(start, reader.UInt128()));
        }

        if (reader.Position != frame.Length)
        {
            throw new InvalidDataException($"Corrupt spill frame of {shardId}: {frame.Length - reader.Position} bytes left over.");
        }

        return new FetchedPage(shardId, records, nextShardIterator, millisBehindLatest, children, fetchedAt, sizeBytes);
    }

    private static long StringLength(string? value)
    {
        if (value is null)
        {
            return 1;
        }

        var bytes = Encoding.UTF8.GetByteCount(value);
        return VarUIntLength((uint)bytes + 1) + bytes;
    }

    private static int VarUIntLength(uint value) => value switch
    {
        < 1u << 7 => 1,
        < 1u << 14 => 2,
        < 1u << 21 => 3,
        < 1u << 28 => 4,
        _ => 5,
    };

    private ref struct Writer(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;

        public int Position { get; private set; }

        public void Byte(byte value) => _buffer[Position++] = value;

        public void UInt32(uint value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer[Position..], value);
            Position += sizeof(uint);
        }

        public void Int64(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_buffer[Position..], value);
            Position += sizeof(long);
        }

        public void UInt128(UInt128 value)
        {
            BinaryPrimitives.WriteUInt128LittleEndian(_buffer[Position..], value);
            Position += 16;
        }

        // Clock ticks and offset rather than UTC ticks alone, so the offset round-trips too.
        public void Timestamp(DateTimeOffset value)
        {
            Int64(value.Ticks);
            BinaryPrimitives.WriteInt16LittleEndian(_buffer[Position..], (short)value.TotalOffsetMinutes);
            Position += sizeof(short);
        }

        public void VarUInt(uint value)
        {
            while (value >= 0x80)
            {
                _buffer[Position++] = (byte)(value | 0x80);
                value >>= 7;
            }

            _buffer[Position++] = (byte)value;
        }

        public void String(string? value)
        {
            if (value is null)
            {
                VarUInt(0);
                return;
            }

            var bytes = Encoding.UTF8.GetByteCount(value);
            VarUInt((uint)bytes + 1);
            Position += Encoding.UTF8.GetBytes(value, _buffer.Slice(Position, bytes));
        }

        public void Bytes(ReadOnlySpan<byte> value)
        {
            value.CopyTo(_buffer[Position..]);
            Position += value.Length;
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> buffer)
    {
        private readonly ReadOnlySpan<byte> _buffer = buffer;

        public int Position { get; private set; }

        public byte Byte() => Bytes(1)[0];

        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(sizeof(uint)));

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Bytes(sizeof(long)));

        public UInt128 UInt128() => BinaryPrimitives.ReadUInt128LittleEndian(Bytes(16));

        public DateTimeOffset Timestamp()
        {
            var ticks = Int64();
            var offsetMinutes = BinaryPrimitives.ReadInt16LittleEndian(Bytes(sizeof(short)));
            try
            {
                return new DateTimeOffset(ticks, TimeSpan.FromMinutes(offsetMinutes));
            }
            catch (ArgumentException exception)
            {
                throw new InvalidDataException("Corrupt spill frame: timestamp out of range.", exception);
            }
        }

        public uint VarUInt()
        {
            uint value = 0;
            for (var shift = 0; shift < 35; shift += 7)
            {
                var b = Byte();
                value |= (uint)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw new InvalidDataException("Corrupt spill frame: varint longer than 5 bytes.");
        }

        // A count can never exceed the bytes left, which keeps a corrupt frame from allocating gigabytes.
        public int Count()
        {
            var count = VarUInt();
            if (count > (uint)(_buffer.Length - Position))
            {
                throw new InvalidDataException($"Corrupt spill frame: a count of {count} with {_buffer.Length - Position} bytes left.");
            }

            return (int)count;
        }

        public string? String()
        {
            var lengthPlusOne = VarUInt();
            if (lengthPlusOne == 0)
            {
                return null;
            }

            if (lengthPlusOne - 1 > (uint)(_buffer.Length - Position))
            {
                throw new InvalidDataException("Corrupt spill frame: a string runs past its end.");
            }

            return Encoding.UTF8.GetString(Bytes((int)(lengthPlusOne - 1)));
        }

        public string RequiredString() => String() ?? throw new InvalidDataException("Corrupt spill frame: null where a string is required.");

        // The two values Kinesis sends come back as literals instead of one small string per record.
        public string? EncryptionType()
        {
            var start = Position;
            var lengthPlusOne = VarUInt();
            if (lengthPlusOne == 5 && _buffer[Position..].StartsWith("NONE"u8))
            {
                Position += 4;
                return "NONE";
            }

            if (lengthPlusOne == 4 && _buffer[Position..].StartsWith("KMS"u8))
            {
                Position += 3;
                return "KMS";
            }

            Position = start;
            return String();
        }

        public ReadOnlySpan<byte> Bytes(int count)
        {
            if (count > _buffer.Length - Position)
            {
                throw new InvalidDataException("Corrupt spill frame: truncated.");
            }

            var span = _buffer.Slice(Position, count);
            Position += count;
            return span;
        }
    }
}
