using System.Runtime.InteropServices;
using System.Text;
using KinesisGrains.Streaming.Kinesis.Kpl;
using Xunit;
using static KinesisGrains.Tests.Kpl.KplTestRecords;

namespace KinesisGrains.Tests.Kpl;

/// <summary>Anything that is not a valid aggregate comes out as exactly one plain record holding the original bytes.</summary>
public sealed class KplCorruptInputTests
{
    private static readonly byte[] s_valid = KplAggregateWriter.Write(
    [
        new("k1", null, "one"u8.ToArray()),
        new("k2", null, "two"u8.ToArray()),
    ]);

    public static TheoryData<string, byte[], KplCorruption> CorruptAggregates()
    {
        var badChecksum = s_valid.ToArray();
        badChecksum[^1] ^= 0x01;
        var badBody = s_valid.ToArray();
        badBody[10] ^= 0x40;

        return new()
        {
            { "magic only", [.. KplAggregateWriter.Magic], KplCorruption.TooShort },
            { "magic and 16 bytes", [.. KplAggregateWriter.Magic, .. new byte[16]], KplCorruption.TooShort },
            { "magic and the MD5 of nothing", KplAggregateWriter.Wrap([]), KplCorruption.TooShort },
            { "flipped checksum bit", badChecksum, KplCorruption.ChecksumMismatch },
            { "flipped body bit", badBody, KplCorruption.ChecksumMismatch },
            { "truncated by one byte", s_valid[..^1], KplCorruption.ChecksumMismatch },
            { "truncated inside the body", s_valid[..24], KplCorruption.ChecksumMismatch },
            { "garbage protobuf", KplAggregateWriter.Wrap([0xFF, 0xFF, 0xFF, 0xFF]), KplCorruption.MalformedProtobuf },
            { "field number zero", KplAggregateWriter.Wrap([0x02, 0x00]), KplCorruption.MalformedProtobuf },
            { "wire type 7", KplAggregateWriter.Wrap([0x0F, 0x00]), KplCorruption.MalformedProtobuf },
            { "length past the end", KplAggregateWriter.Wrap([0x0A, 0x05, 0x61]), KplCorruption.MalformedProtobuf },
            { "eleven-byte varint", KplAggregateWriter.Wrap([0x08, .. Enumerable.Repeat((byte)0xFF, 10), 0x01]), KplCorruption.MalformedProtobuf },
            { "end group without start", KplAggregateWriter.Wrap([0x0C]), KplCorruption.MalformedProtobuf },
            { "unterminated group", KplAggregateWriter.Wrap([0x0B, 0x08, 0x01]), KplCorruption.MalformedProtobuf },
            { "group closed by another field", KplAggregateWriter.Wrap([0x0B, 0x14]), KplCorruption.MalformedProtobuf },
            { "malformed record", KplAggregateWriter.Wrap(new ProtoWriter().StringField(1, "k").BytesField(3, [0x08]).ToArray()), KplCorruption.MalformedProtobuf },
            { "tables but no records", KplAggregateWriter.Wrap(new ProtoWriter().StringField(1, "k").ToArray()), KplCorruption.NoRecords },
            { "only unknown fields", KplAggregateWriter.Wrap(new ProtoWriter().VarintField(9, 1).ToArray()), KplCorruption.NoRecords },
            { "pk index out of range", Aggregate(keys: ["k"], hashKeys: [], Record(pk: 1, data: "x")), KplCorruption.IndexOutOfRange },
            { "huge pk index", Aggregate(keys: ["k"], hashKeys: [], Record(pk: ulong.MaxValue, data: "x")), KplCorruption.IndexOutOfRange },
            { "ehk index out of range", Aggregate(keys: ["k"], hashKeys: ["1"], Record(pk: 0, ehk: 1, data: "x")), KplCorruption.IndexOutOfRange },
            { "ehk index with an empty table", Aggregate(keys: ["k"], hashKeys: [], Record(pk: 0, ehk: 0, data: "x")), KplCorruption.IndexOutOfRange },
            { "empty key table", Aggregate(keys: [], hashKeys: [], Record(pk: 0, data: "x")), KplCorruption.IndexOutOfRange },
            { "record without pk index", Aggregate(keys: ["k"], hashKeys: [], new ProtoWriter().BytesField(3, "x"u8)), KplCorruption.MissingRequiredField },
            { "record without data", Aggregate(keys: ["k"], hashKeys: [], new ProtoWriter().VarintField(1, 0)), KplCorruption.MissingRequiredField },
            { "tag without key", Aggregate(keys: ["k"], hashKeys: [], Record(pk: 0, data: "x").MessageField(4, new ProtoWriter().StringField(2, "v"))), KplCorruption.MissingRequiredField },
            { "ehk not a number", Aggregate(keys: ["k"], hashKeys: ["12ab"], Record(pk: 0, ehk: 0, data: "x")), KplCorruption.InvalidExplicitHashKey },
            { "ehk of 2^128", Aggregate(keys: ["k"], hashKeys: ["340282366920938463463374607431768211456"], Record(pk: 0, ehk: 0, data: "x")), KplCorruption.InvalidExplicitHashKey },
            { "negative ehk", Aggregate(keys: ["k"], hashKeys: ["-1"], Record(pk: 0, ehk: 0, data: "x")), KplCorruption.InvalidExplicitHashKey },
            { "empty ehk", Aggregate(keys: ["k"], hashKeys: [""], Record(pk: 0, ehk: 0, data: "x")), KplCorruption.InvalidExplicitHashKey },
            {
                "valid records before a bad one",
                Aggregate(keys: ["k"], hashKeys: [], Record(pk: 0, data: "a"), Record(pk: 0, data: "b"), Record(pk: 7, data: "c")),
                KplCorruption.IndexOutOfRange
            },
        };
    }

    [Theory]
    [MemberData(nameof(CorruptAggregates))]
    public void Corrupt_aggregates_pass_through_whole(string name, byte[] data, KplCorruption expected)
    {
        using var metrics = new KplMetricsCapture();
        var output = new List<UserRecord> { default };

        var result = KplDeaggregator.Default.Deaggregate(Received(data, "outer-key"), output);

        Assert.True(KplDeaggregator.IsAggregated(data), name);
        Assert.Equal(DeaggregationOutcome.CorruptPassedThrough, result.Outcome);
        Assert.Equal(expected, result.Corruption);
        Assert.False(string.IsNullOrWhiteSpace(result.CorruptReason));
        Assert.Equal(1, result.RecordCount);
        Assert.Equal(2, output.Count);
        AssertWhole(output[1], data);
        Assert.Equal(1, metrics.Sum("kgrains.kpl.corrupt_passed_through"));
        Assert.Equal([expected.ToString()], metrics.Reasons("kgrains.kpl.corrupt_passed_through"));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0xF3 })]
    [InlineData(new byte[] { 0xF3, 0x89, 0x9A })]
    [InlineData(new byte[] { 0xF3, 0x89, 0x9A, 0xC3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0x7B, 0x22, 0x61, 0x22, 0x3A, 0x31, 0x7D })]
    public void Records_without_the_magic_are_plain(byte[] data)
    {
        using var metrics = new KplMetricsCapture();
        var output = new List<UserRecord>();

        var result = KplDeaggregator.Default.Deaggregate(Received(data, "outer-key"), output);

        Assert.False(KplDeaggregator.IsAggregated(data));
        Assert.Equal(new DeaggregationResult(DeaggregationOutcome.Plain, 1), result);
        AssertWhole(Assert.Single(output), data);
        Assert.Equal(0, metrics.Sum("kgrains.kpl.corrupt_passed_through"));
    }

    [Fact]
    public void A_plain_record_is_not_filtered_by_the_shard_range()
    {
        var data = Encoding.UTF8.GetBytes("not aggregated");
        var output = new List<UserRecord>();

        var result = KplDeaggregator.Default.Deaggregate(Received(data, "outer-key"), output, new(0, 0));

        Assert.Equal(DeaggregationOutcome.Plain, result.Outcome);
        AssertWhole(Assert.Single(output), data);
    }

    private static void AssertWhole(UserRecord record, byte[] data)
    {
        Assert.True(MemoryMarshal.TryGetArray(record.Data, out var segment));
        Assert.Same(data, segment.Array);
        Assert.Equal(0, segment.Offset);
        Assert.Equal(data.Length, segment.Count);
        Assert.Equal("outer-key", record.PartitionKey);
        Assert.Null(record.ExplicitHashKey);
        Assert.Equal(SequenceNumber, record.SequenceNumber);
        Assert.Equal(0, record.SubSequenceNumber);
        Assert.Equal(Arrival, record.ApproximateArrivalTimestamp);
        Assert.False(record.IsFromAggregate);
    }

    private static ProtoWriter Record(ulong pk, string data, ulong? ehk = null)
    {
        var record = new ProtoWriter().VarintField(1, pk);
        if (ehk is { } index)
        {
            record.VarintField(2, index);
        }

        return record.BytesField(3, Encoding.UTF8.GetBytes(data));
    }

    private static byte[] Aggregate(string[] keys, string[] hashKeys, params ProtoWriter[] records)
    {
        var message = new ProtoWriter();
        foreach (var key in keys)
        {
            message.StringField(1, key);
        }

        foreach (var hashKey in hashKeys)
        {
            message.StringField(2, hashKey);
        }

        foreach (var record in records)
        {
            message.MessageField(3, record);
        }

        return KplAggregateWriter.Wrap(message.ToArray());
    }
}
