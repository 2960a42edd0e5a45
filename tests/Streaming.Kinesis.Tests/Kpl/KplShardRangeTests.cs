using System.Text;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Kpl;
using KinesisGrains.Streaming.Kinesis.Routing;
using Xunit;
using static KinesisGrains.Tests.Kpl.KplTestRecords;

namespace KinesisGrains.Tests.Kpl;

/// <summary>The KCL rule: one sub-record hashing outside the shard drops the whole aggregate; here it is reported and optional.</summary>
public sealed class KplShardRangeTests
{
    private static readonly UInt128 s_half = UInt128.One << 127;

    // Two shards split at 2^127, as a two-shard stream is.
    private static readonly HashKeyRange s_lower = new(UInt128.Zero, s_half - 1);
    private static readonly HashKeyRange s_upper = new(s_half, UInt128.MaxValue);

    [Fact]
    public void An_aggregate_inside_the_range_is_kept_whole()
    {
        var keys = KeysIn(s_lower, 5);
        var data = KplAggregateWriter.Write([.. keys.Select(k => new AggregateEntry(k, null, Encoding.UTF8.GetBytes(k)))]);
        using var metrics = new KplMetricsCapture();
        var output = new List<UserRecord>();

        var result = KplDeaggregator.Default.Deaggregate(Received(data), output, s_lower);

        Assert.Equal(new DeaggregationResult(DeaggregationOutcome.Aggregated, 5), result);
        Assert.Equal(keys, output.Select(r => r.PartitionKey));
        Assert.Equal(0, metrics.Sum("kgrains.kpl.aggregates_dropped"));
    }

    [Fact]
    public void One_straying_sub_record_drops_the_whole_aggregate_and_reports_it()
    {
        var inside = KeysIn(s_lower, 2);
        var outside = KeysIn(s_upper, 1)[0];
        var data = KplAggregateWriter.Write(
        [
            new(inside[0], null, "a"u8.ToArray()),
            new(outside, null, "b"u8.ToArray()),
            new(inside[1], null, "c"u8.ToArray()),
        ]);
        using var metrics = new KplMetricsCapture();
        var output = new List<UserRecord> { default };

        var result = KplDeaggregator.Default.Deaggregate(Received(data), output, s_lower);

        Assert.Equal(DeaggregationOutcome.DroppedOutsideShardRange, result.Outcome);
        Assert.Equal(0, result.RecordCount);
        Assert.Equal(3, result.DroppedRecordCount);
        Assert.Single(output);
        Assert.Equal(1, metrics.Sum("kgrains.kpl.aggregates_dropped"));
        Assert.Equal(3, metrics.Sum("kgrains.kpl.records_dropped"));
        Assert.Equal(0, metrics.Sum("kgrains.kpl.corrupt_passed_through"));
    }

    [Fact]
    public void With_the_option_off_every_sub_record_is_kept()
    {
        var inside = KeysIn(s_lower, 1)[0];
        var outside = KeysIn(s_upper, 1)[0];
        var data = KplAggregateWriter.Write([new(inside, null, "a"u8.ToArray()), new(outside, null, "b"u8.ToArray())]);
        var deaggregator = new KplDeaggregator(new KplDeaggregatorOptions { DropAggregatesOutsideShardRange = false });
        using var metrics = new KplMetricsCapture();
        var output = new List<UserRecord>();

        var result = deaggregator.Deaggregate(Received(data), output, s_lower);

        Assert.Equal(new DeaggregationResult(DeaggregationOutcome.Aggregated, 2), result);
        Assert.Equal([inside, outside], output.Select(r => r.PartitionKey));
        Assert.Equal(0, metrics.Sum("kgrains.kpl.aggregates_dropped"));
    }

    [Fact]
    public void Without_a_range_nothing_is_filtered()
    {
        var data = KplAggregateWriter.Write([new(KeysIn(s_lower, 1)[0], null, []), new(KeysIn(s_upper, 1)[0], null, [])]);
        var output = new List<UserRecord>();

        var result = KplDeaggregator.Default.Deaggregate(Received(data), output);

        Assert.Equal(DeaggregationOutcome.Aggregated, result.Outcome);
        Assert.Equal(2, output.Count);
    }

    [Fact]
    public void The_explicit_hash_key_decides_when_present_and_the_partition_key_otherwise()
    {
        // The partition key hashes to the upper shard, but the explicit hash key puts the record in the lower one.
        var upperKey = KeysIn(s_upper, 1)[0];
        var lowerHash = HashKey.Format(s_half - 1);
        var data = KplAggregateWriter.Write([new(upperKey, lowerHash, "x"u8.ToArray())]);
        var output = new List<UserRecord>();

        Assert.Equal(DeaggregationOutcome.Aggregated, KplDeaggregator.Default.Deaggregate(Received(data), output, s_lower).Outcome);
        Assert.Equal(lowerHash, Assert.Single(output).ExplicitHashKey);
        Assert.Equal(DeaggregationOutcome.DroppedOutsideShardRange, KplDeaggregator.Default.Deaggregate(Received(data), output, s_upper).Outcome);
        Assert.Single(output);
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("170141183460469231731687303715884105727", true)]
    [InlineData("170141183460469231731687303715884105728", false)]
    [InlineData("340282366920938463463374607431768211455", false)]
    public void Range_bounds_are_inclusive(string explicitHashKey, bool inLower)
    {
        var data = KplAggregateWriter.Write([new("k", explicitHashKey, "x"u8.ToArray())]);

        var lower = KplDeaggregator.Default.Deaggregate(Received(data), [], s_lower);
        var upper = KplDeaggregator.Default.Deaggregate(Received(data), [], s_upper);

        Assert.Equal(inLower ? DeaggregationOutcome.Aggregated : DeaggregationOutcome.DroppedOutsideShardRange, lower.Outcome);
        Assert.Equal(inLower ? DeaggregationOutcome.DroppedOutsideShardRange : DeaggregationOutcome.Aggregated, upper.Outcome);
    }

    [Fact]
    public void Corruption_after_a_straying_sub_record_still_passes_the_record_through()
    {
        var message = new ProtoWriter()
            .StringField(1, KeysIn(s_upper, 1)[0])
            .MessageField(3, new ProtoWriter().VarintField(1, 0).BytesField(3, "a"u8))
            .MessageField(3, new ProtoWriter().VarintField(1, 5).BytesField(3, "b"u8));
        var data = KplAggregateWriter.Wrap(message.ToArray());
        var output = new List<UserRecord>();

        var result = KplDeaggregator.Default.Deaggregate(Received(data), output, s_lower);

        Assert.Equal(KplCorruption.IndexOutOfRange, result.Corruption);
        Assert.Same(data, System.Runtime.InteropServices.MemoryMarshal.TryGetArray(Assert.Single(output).Data, out var segment) ? segment.Array : null);
    }

    /// <summary>Partition keys whose MD5 falls in <paramref name="range"/>.</summary>
    internal static string[] KeysIn(HashKeyRange range, int count) =>
        [.. Enumerable.Range(0, 10_000).Select(i => $"key-{i}").Where(k => range.Contains(HashKey.FromPartitionKey(k))).Take(count)];
}
