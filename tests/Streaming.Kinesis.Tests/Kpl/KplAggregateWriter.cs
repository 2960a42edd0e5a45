using System.Security.Cryptography;

namespace KinesisGrains.Tests.Kpl;

/// <summary>Builds KPL aggregates the way the KPL does: key tables in first-use order, shared entries, magic and MD5.</summary>
internal static class KplAggregateWriter
{
    public static readonly byte[] Magic = [0xF3, 0x89, 0x9A, 0xC2];

    public static byte[] Write(IReadOnlyList<AggregateEntry> records) => Wrap(Protobuf(records));

    public static byte[] Protobuf(IReadOnlyList<AggregateEntry> records)
    {
        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        var hashKeys = new Dictionary<string, int>(StringComparer.Ordinal);
        var message = new ProtoWriter();
        foreach (var record in records)
        {
            if (keys.TryAdd(record.PartitionKey, keys.Count))
            {
                message.StringField(1, record.PartitionKey);
            }

            if (record.ExplicitHashKey is { } ehk && hashKeys.TryAdd(ehk, hashKeys.Count))
            {
                message.StringField(2, ehk);
            }
        }

        foreach (var record in records)
        {
            var inner = new ProtoWriter().VarintField(1, (ulong)keys[record.PartitionKey]);
            if (record.ExplicitHashKey is { } ehk)
            {
                inner.VarintField(2, (ulong)hashKeys[ehk]);
            }

            message.MessageField(3, inner.BytesField(3, record.Data));
        }

        return message.ToArray();
    }

    /// <summary>Magic + protobuf + MD5(protobuf): any bytes, valid or not, with a checksum that matches.</summary>
    public static byte[] Wrap(ReadOnlySpan<byte> protobuf) => [.. Magic, .. protobuf, .. MD5.HashData(protobuf)];
}
