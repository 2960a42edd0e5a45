using System.Runtime.InteropServices;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Kpl;
using Xunit;
using static KinesisGrains.Tests.Kpl.KplTestRecords;

namespace KinesisGrains.Tests.Kpl;

/// <summary>
/// Random and mutated inputs never throw, and every record comes out as at least one user record unless the
/// shard-range rule dropped it. Mutations of the protobuf are re-wrapped with a matching MD5 so that they reach the
/// parser rather than stopping at the checksum.
/// </summary>
public sealed class KplFuzzTests
{
    private const int Iterations = 20_000;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_bytes_never_throw(int seed)
    {
        var random = new Random(seed);
        var counts = new Dictionary<DeaggregationOutcome, int>();
        for (var i = 0; i < Iterations; i++)
        {
            var body = RandomBytes(random, random.Next(0, 64));
            var data = (i % 3) switch
            {
                0 => body,
                1 => [.. KplAggregateWriter.Magic, .. body],
                _ => KplAggregateWriter.Wrap(body),
            };
            Check(data, random, counts);
        }

        // Without the magic a record is plain; with it, random bytes are almost never a valid aggregate.
        Assert.True(counts.GetValueOrDefault(DeaggregationOutcome.Plain) > Iterations / 4);
        Assert.True(counts.GetValueOrDefault(DeaggregationOutcome.CorruptPassedThrough) > Iterations / 2);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Mutated_aggregates_never_throw(int seed)
    {
        var random = new Random(seed);
        var counts = new Dictionary<DeaggregationOutcome, int>();
        for (var i = 0; i < Iterations; i++)
        {
            var protobuf = KplAggregateWriter.Protobuf(RandomEntries(random));
            var mutated = Mutate(random, protobuf);
            // One in four keeps the stale MD5, to exercise the checksum path on near-valid bytes.
            var data = i % 4 == 0
                ? [.. KplAggregateWriter.Magic, .. mutated, .. KplAggregateWriter.Wrap(protobuf)[^16..]]
                : KplAggregateWriter.Wrap(mutated);
            Check(data, random, counts);
        }

        // The mutations must reach every outcome, or the fuzzing is not exercising the parser.
        Assert.True(counts.GetValueOrDefault(DeaggregationOutcome.Aggregated) > Iterations / 20, Describe(counts));
        Assert.True(counts.GetValueOrDefault(DeaggregationOutcome.CorruptPassedThrough) > Iterations / 20, Describe(counts));
        Assert.True(counts.GetValueOrDefault(DeaggregationOutcome.DroppedOutsideShardRange) > 0, Describe(counts));
    }

    private static void Check(byte[] data, Random random, Dictionary<DeaggregationOutcome, int> counts)
    {
        var range = random.Next(3) == 0 ? RandomRange(random) : null;
        var output = new List<UserRecord>();
        var result = KplDeaggregator.Default.Deaggregate(Received(data), output, range);
        counts[result.Outcome] = counts.GetValueOrDefault(result.Outcome) + 1;
        Assert.Equal(result.RecordCount, output.Count);

        switch (result.Outcome)
        {
            case DeaggregationOutcome.Plain or DeaggregationOutcome.CorruptPassedThrough:
                var record = Assert.Single(output);
                Assert.True(MemoryMarshal.TryGetArray(record.Data, out var whole));
                Assert.Same(data, whole.Array);
                Assert.Equal(data.Length, whole.Count);
                Assert.False(record.IsFromAggregate);
                Assert.Equal(result.Outcome == DeaggregationOutcome.CorruptPassedThrough, result.Corruption != KplCorruption.None);
                break;
            case DeaggregationOutcome.Aggregated:
                Assert.NotEmpty(output);
                for (var i = 0; i < output.Count; i++)
                {
                    Assert.Equal(i, output[i].SubSequenceNumber);
                    Assert.True(output[i].IsFromAggregate);
                    Assert.NotNull(output[i].PartitionKey);
                    Assert.True(MemoryMarshal.TryGetArray(output[i].Data, out var slice));
                    Assert.Same(data, slice.Array);
                    Assert.InRange(slice.Offset + slice.Count, 4, data.Length - 16);
                }

                break;
            case DeaggregationOutcome.DroppedOutsideShardRange:
                Assert.NotNull(range);
                Assert.Empty(output);
                Assert.True(result.DroppedRecordCount > 0);
                break;
            default:
                Assert.Fail($"Unexpected outcome {result.Outcome}");
                break;
        }
    }

    private static byte[] Mutate(Random random, byte[] protobuf)
    {
        var bytes = new List<byte>(protobuf);
        var mutations = random.Next(1, 4);
        for (var m = 0; m < mutations; m++)
        {
            switch (random.Next(5))
            {
                case 0 when bytes.Count > 0:
                    var at = random.Next(bytes.Count);
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes.RemoveRange(random.Next(bytes.Count), 1);
                    break;
                case 2:
                    bytes.Insert(random.Next(bytes.Count + 1), (byte)random.Next(256));
                    break;
                case 3 when bytes.Count > 0:
                    var keep = random.Next(bytes.Count);
                    bytes.RemoveRange(keep, bytes.Count - keep);
                    break;
                default:
                    // Leave the bytes valid: the range rule and the happy path get fuzzed too.
                    break;
            }
        }

        return [.. bytes];
    }

    private static List<AggregateEntry> RandomEntries(Random random)
    {
        var count = random.Next(1, 8);
        var keys = Enumerable.Range(0, random.Next(1, 4)).Select(i => $"k{random.Next(1000)}-{i}").ToArray();
        return [.. Enumerable.Range(0, count).Select(_ => new AggregateEntry(
            keys[random.Next(keys.Length)],
            random.Next(4) == 0 ? RandomHashKey(random).ToString() : null,
            RandomBytes(random, random.Next(0, 40))))];
    }

    private static HashKeyRange RandomRange(Random random)
    {
        var a = RandomHashKey(random);
        var b = RandomHashKey(random);
        return a <= b ? new(a, b) : new(b, a);
    }

    private static UInt128 RandomHashKey(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string Describe(Dictionary<DeaggregationOutcome, int> counts) =>
        string.Join(", ", counts.Select(c => $"{c.Key}={c.Value}"));
}
