using System.Security.Cryptography;
using System.Text;
using KinesisGrains.Streaming.Kinesis.Kpl;
using Xunit;
using static KinesisGrains.Tests.Kpl.KplTestRecords;

namespace KinesisGrains.Tests.Kpl;

/// <summary>The byte samples of kinesis.md §2.2, produced by aws-kinesis-agg 4.2.8, decode exactly as documented.</summary>
public sealed class KplSampleTests
{
    // Two records, PKs "a" and "b", data "hello" and "world", no explicit hash keys (48 bytes).
    public static readonly byte[] SampleA = Hex(
        "f3899ac2 0a0161 0a0162 1a09 0800 1a0568656c6c6f 1a09 0801 1a05776f726c64 7cf45228cd79941b056e6743990bf8ab");

    // pk=["pk1","pk2"], ehk=["2^127"], records {pk0,"x"} (no EHK field), {pk0,ehk0,"yy"}, {pk1,"zzz"} (97 bytes).
    public static readonly byte[] SampleB = Hex(
        "f3899ac2 0a03706b31 0a03706b32 1227 313730313431313833343630343639323331373331363837333033373135383834313035373238"
        + " 1a05 0800 1a0178 1a08 0800 1000 1a027979 1a07 0801 1a037a7a7a b937c2ffdb0f30e0a63161a18c992f5b");

    [Fact]
    public void Samples_have_the_documented_lengths_and_checksums()
    {
        Assert.Equal(48, SampleA.Length);
        Assert.Equal(97, SampleB.Length);
        foreach (var sample in new[] { SampleA, SampleB })
        {
            Assert.True(KplDeaggregator.IsAggregated(sample));
            Assert.Equal(sample[^16..], MD5.HashData(sample[4..^16]));
        }
    }

    [Fact]
    public void Sample_A_yields_hello_and_world()
    {
        var output = new List<UserRecord>();
        var result = KplDeaggregator.Default.Deaggregate(Received(SampleA, "a"), output);

        Assert.Equal(new DeaggregationResult(DeaggregationOutcome.Aggregated, 2), result);
        Assert.Equal(2, output.Count);
        AssertRecord(output[0], "a", null, "hello", 0);
        AssertRecord(output[1], "b", null, "world", 1);
    }

    [Fact]
    public void Sample_B_keeps_explicit_hash_key_presence_per_record()
    {
        var output = new List<UserRecord>();
        var result = KplDeaggregator.Default.Deaggregate(Received(SampleB), output);

        Assert.Equal(DeaggregationOutcome.Aggregated, result.Outcome);
        Assert.Equal(3, result.RecordCount);
        // Record 0 has no field 2: unlike the Node deaggregator, it must not inherit EHK index 0.
        AssertRecord(output[0], "pk1", null, "x", 0);
        AssertRecord(output[1], "pk1", "170141183460469231731687303715884105728", "yy", 1);
        AssertRecord(output[2], "pk2", null, "zzz", 2);
        Assert.Same(output[0].PartitionKey, output[1].PartitionKey);
    }

    [Fact]
    public void Sub_record_data_are_slices_of_the_original_array()
    {
        var output = new List<UserRecord>();
        KplDeaggregator.Default.Deaggregate(Received(SampleA), output);

        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(output[0].Data, out var hello));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(output[1].Data, out var world));
        Assert.Same(SampleA, hello.Array);
        Assert.Same(SampleA, world.Array);
        Assert.Equal(16, hello.Offset);
        Assert.Equal(27, world.Offset);
    }

    private static void AssertRecord(UserRecord record, string partitionKey, string? explicitHashKey, string data, long subSequenceNumber)
    {
        Assert.Equal(partitionKey, record.PartitionKey);
        Assert.Equal(explicitHashKey, record.ExplicitHashKey);
        Assert.Equal(data, Encoding.UTF8.GetString(record.Data.Span));
        Assert.Equal(subSequenceNumber, record.SubSequenceNumber);
        Assert.Equal(SequenceNumber, record.SequenceNumber);
        Assert.Equal(Arrival, record.ApproximateArrivalTimestamp);
        Assert.True(record.IsFromAggregate);
    }
}
