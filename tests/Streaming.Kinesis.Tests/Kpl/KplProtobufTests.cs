using System.Text;
using KinesisGrains.Streaming.Kinesis.Kpl;
using Xunit;
using static KinesisGrains.Tests.Kpl.KplTestRecords;

namespace KinesisGrains.Tests.Kpl;

/// <summary>Protobuf shapes the KPL does not write but a conforming parser must accept.</summary>
public sealed class KplProtobufTests
{
    [Fact]
    public void Unknown_fields_of_every_wire_type_are_skipped()
    {
        var message = new ProtoWriter()
            .VarintField(7, ulong.MaxValue)
            .Tag(8, 1).Raw(new byte[8])
            .Tag(9, 5).Raw(new byte[4])
            .BytesField(10, "ignored"u8)
            // A group with a nested group inside.
            .Tag(11, 3).VarintField(1, 1).Tag(12, 3).BytesField(2, "x"u8).Tag(12, 4).Tag(11, 4)
            .StringField(1, "k")
            .MessageField(3, new ProtoWriter()
                .VarintField(15, 3)
                .Tag(16, 1).Raw(new byte[8])
                .VarintField(1, 0)
                .Tag(17, 3).Tag(17, 4)
                .BytesField(3, "payload"u8)
                .Tag(18, 5).Raw(new byte[4]))
            .Tag(1000, 5).Raw(new byte[4]);

        var output = Deaggregate(message, out var result);

        Assert.Equal(DeaggregationOutcome.Aggregated, result.Outcome);
        var record = Assert.Single(output);
        Assert.Equal("k", record.PartitionKey);
        Assert.Equal("payload", Encoding.UTF8.GetString(record.Data.Span));
    }

    [Fact]
    public void Records_may_come_before_the_tables_they_index()
    {
        var message = new ProtoWriter()
            .MessageField(3, new ProtoWriter().VarintField(1, 1).VarintField(2, 0).BytesField(3, "r0"u8))
            .StringField(1, "first")
            .MessageField(3, new ProtoWriter().VarintField(1, 0).BytesField(3, "r1"u8))
            .StringField(2, "42")
            .StringField(1, "second");

        var output = Deaggregate(message, out var result);

        Assert.Equal(2, result.RecordCount);
        Assert.Equal(("second", "42", 0L), (output[0].PartitionKey, output[0].ExplicitHashKey, output[0].SubSequenceNumber));
        Assert.Equal(("first", (string?)null, 1L), (output[1].PartitionKey, output[1].ExplicitHashKey, output[1].SubSequenceNumber));
    }

    [Fact]
    public void Field_order_inside_a_record_does_not_matter_and_the_last_value_wins()
    {
        var message = new ProtoWriter()
            .StringField(1, "a")
            .StringField(1, "b")
            .MessageField(3, new ProtoWriter().BytesField(3, "old"u8).VarintField(1, 0).BytesField(3, "new"u8).VarintField(1, 1));

        var record = Assert.Single(Deaggregate(message, out _));

        Assert.Equal("b", record.PartitionKey);
        Assert.Equal("new", Encoding.UTF8.GetString(record.Data.Span));
    }

    [Fact]
    public void A_known_field_number_with_another_wire_type_is_an_unknown_field()
    {
        // Field 1 as a string inside Record is not the pk index: skipped, so the varint one counts.
        var message = new ProtoWriter()
            .StringField(1, "k")
            .VarintField(1, 99)
            .MessageField(3, new ProtoWriter().StringField(1, "zz").VarintField(1, 0).VarintField(3, 5).BytesField(3, "d"u8));

        var output = Deaggregate(message, out var result);

        Assert.Equal(DeaggregationOutcome.Aggregated, result.Outcome);
        Assert.Equal(("k", "d"), (output[0].PartitionKey, Encoding.UTF8.GetString(output[0].Data.Span)));
    }

    [Fact]
    public void Tags_with_a_key_are_accepted_and_ignored()
    {
        var message = new ProtoWriter()
            .StringField(1, "k")
            .MessageField(3, new ProtoWriter()
                .VarintField(1, 0)
                .BytesField(3, "d"u8)
                .MessageField(4, new ProtoWriter().StringField(1, "key").StringField(2, "value"))
                .MessageField(4, new ProtoWriter().StringField(1, "only-key")));

        var output = Deaggregate(message, out var result);

        Assert.Equal(DeaggregationOutcome.Aggregated, result.Outcome);
        Assert.Single(output);
    }

    [Fact]
    public void Multi_byte_varints_for_indexes_and_lengths_are_decoded()
    {
        var records = Enumerable.Range(0, 300)
            .Select(i => new AggregateEntry($"pk-{i}", i % 3 == 0 ? $"{i}" : null, new byte[i * 97 % 20_000]))
            .ToList();

        var output = Deaggregate(KplAggregateWriter.Write(records), out var result);

        Assert.Equal(300, result.RecordCount);
        for (var i = 0; i < records.Count; i++)
        {
            Assert.Equal(records[i].PartitionKey, output[i].PartitionKey);
            Assert.Equal(records[i].ExplicitHashKey, output[i].ExplicitHashKey);
            Assert.Equal(records[i].Data.Length, output[i].Data.Length);
            Assert.Equal(i, output[i].SubSequenceNumber);
        }
    }

    [Fact]
    public void Invalid_utf8_in_a_partition_key_is_replaced_not_rejected()
    {
        var message = new ProtoWriter().BytesField(1, [0x61, 0xFF, 0x62]).MessageField(3, new ProtoWriter().VarintField(1, 0).BytesField(3, "d"u8));

        var record = Assert.Single(Deaggregate(message, out _));

        Assert.Equal("a\uFFFDb", record.PartitionKey);
    }

    [Fact]
    public void Unreferenced_bad_explicit_hash_keys_do_not_matter()
    {
        var message = new ProtoWriter()
            .StringField(1, "k")
            .StringField(2, "not a number")
            .MessageField(3, new ProtoWriter().VarintField(1, 0).BytesField(3, "d"u8));

        Deaggregate(message, out var result);

        Assert.Equal(DeaggregationOutcome.Aggregated, result.Outcome);
    }

    private static List<UserRecord> Deaggregate(ProtoWriter message, out DeaggregationResult result) =>
        Deaggregate(KplAggregateWriter.Wrap(message.ToArray()), out result);

    private static List<UserRecord> Deaggregate(byte[] data, out DeaggregationResult result)
    {
        var output = new List<UserRecord>();
        result = KplDeaggregator.Default.Deaggregate(Received(data), output);
        Assert.Equal(result.RecordCount, output.Count);
        return output;
    }
}
