using System.Text;

namespace KinesisGrains.Tests.Kpl;

/// <summary>Writes protobuf wire format by hand, including shapes the KPL never writes (unknown fields, groups, odd orders).</summary>
internal sealed class ProtoWriter
{
    private readonly List<byte> _bytes = [];

    public int Length => _bytes.Count;

    public byte[] ToArray() => [.. _bytes];

    public ProtoWriter Tag(int field, int wireType) => Varint(((ulong)field << 3) | (uint)wireType);

    public ProtoWriter Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        _bytes.Add((byte)value);
        return this;
    }

    public ProtoWriter Raw(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            _bytes.Add(b);
        }

        return this;
    }

    public ProtoWriter VarintField(int field, ulong value) => Tag(field, 0).Varint(value);

    public ProtoWriter BytesField(int field, ReadOnlySpan<byte> value) => Tag(field, 2).Varint((ulong)value.Length).Raw(value);

    public ProtoWriter StringField(int field, string value) => BytesField(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter MessageField(int field, ProtoWriter message) => BytesField(field, message.ToArray());
}
