using System.Security.Cryptography;
using Google.Protobuf;

namespace KinesisGrains.Benchmarks.Kpl;

/// <summary>
/// The yardstick: the same job (MD5 check, key tables as strings, every record's fields) done with Google.Protobuf's
/// CodedInputStream by hand, as generated code would, without a .proto file.
/// </summary>
internal sealed class ProtobufYardstick
{
    private readonly List<string> _keys = [];
    private readonly List<string> _hashKeys = [];
    private readonly List<PbRecord> _records = [];

    public int Deaggregate(byte[] data)
    {
        const int magic = 4, checksum = 16;
        Span<byte> digest = stackalloc byte[checksum];
        MD5.HashData(data.AsSpan(magic, data.Length - magic - checksum), digest);
        if (!digest.SequenceEqual(data.AsSpan(data.Length - checksum)))
        {
            return 0;
        }

        _keys.Clear();
        _hashKeys.Clear();
        _records.Clear();
        var input = new CodedInputStream(data, magic, data.Length - magic - checksum);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case 10:
                    _keys.Add(input.ReadString());
                    break;
                case 18:
                    _hashKeys.Add(input.ReadString());
                    break;
                case 26:
                    var record = new PbRecord();
                    input.ReadMessage(record);
                    _records.Add(record);
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        // Resolve the indexes, as a deaggregator must.
        var resolved = 0;
        foreach (var record in _records)
        {
            resolved += _keys[(int)record.PartitionKeyIndex].Length > 0 ? 1 : 0;
        }

        return resolved;
    }

    /// <summary>A hand-written <c>Record</c> message: what protoc would generate, minus reflection.</summary>
    private sealed class PbRecord : IMessage
    {
        public ulong PartitionKeyIndex;
        public ulong? ExplicitHashKeyIndex;
        public ByteString Data = ByteString.Empty;

        public Google.Protobuf.Reflection.MessageDescriptor Descriptor => throw new NotSupportedException();

        public void MergeFrom(CodedInputStream input)
        {
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                switch (tag)
                {
                    case 8:
                        PartitionKeyIndex = input.ReadUInt64();
                        break;
                    case 16:
                        ExplicitHashKeyIndex = input.ReadUInt64();
                        break;
                    case 26:
                        Data = input.ReadBytes();
                        break;
                    default:
                        input.SkipLastField();
                        break;
                }
            }
        }

        public void WriteTo(CodedOutputStream output) => throw new NotSupportedException();

        public int CalculateSize() => throw new NotSupportedException();
    }
}
