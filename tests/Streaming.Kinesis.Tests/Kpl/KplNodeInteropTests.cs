using System.Text;
using KinesisGrains.Streaming.Kinesis.Kpl;
using Xunit;
using static KinesisGrains.Tests.Kpl.KplTestRecords;

namespace KinesisGrains.Tests.Kpl;

/// <summary>Every sub-record of aggregates written by aws-kinesis-agg 4.2.8 round trips through our deaggregator.</summary>
public sealed class KplNodeInteropTests
{
    // Text elements, so that keys never split a surrogate pair: ASCII, Latin, CJK, RTL, combining marks, emoji.
    private static readonly string[] s_alphabet =
        ["a", "Z", "7", "-", " ", "é", "ß", "Ж", "中", "文", "ع", "ש", "e\u0301", "🔑", "👩‍💻", "\u00A0", "\\", "\"", "%"];

    [Theory]
    [InlineData(101)]
    [InlineData(202)]
    public async Task Aggregates_from_aws_kinesis_agg_round_trip(int seed)
    {
        var random = new Random(seed);
        var groups = Enumerable.Range(0, 40).Select(g => RandomGroup(random, g)).ToList();

        var aggregates = await NodeKplAggregator.AggregateAsync(groups);

        Assert.Equal(groups.Count, aggregates.Count);
        var total = 0;
        for (var g = 0; g < groups.Count; g++)
        {
            var expected = groups[g];
            var bytes = aggregates[g].Bytes;
            Assert.True(KplDeaggregator.IsAggregated(bytes));
            var output = new List<UserRecord>();

            var result = KplDeaggregator.Default.Deaggregate(Received(bytes, aggregates[g].PartitionKey), output);

            Assert.Equal(new DeaggregationResult(DeaggregationOutcome.Aggregated, expected.Count), result);
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].PartitionKey, output[i].PartitionKey);
                Assert.Equal(expected[i].ExplicitHashKey, output[i].ExplicitHashKey);
                Assert.Equal(expected[i].Data, output[i].Data.ToArray());
                Assert.Equal(i, output[i].SubSequenceNumber);
                Assert.Equal(SequenceNumber, output[i].SequenceNumber);
                Assert.True(output[i].IsFromAggregate);
            }

            total += expected.Count;
        }

        // The generator must have produced the interesting cases, or the test proves less than it claims.
        var all = groups.SelectMany(g => g).ToList();
        Assert.Contains(all, r => r.Data.Length == 0);
        Assert.Contains(all, r => r.ExplicitHashKey is not null);
        Assert.Contains(all, r => r.ExplicitHashKey is null);
        Assert.Contains(all, r => Encoding.UTF8.GetByteCount(r.PartitionKey) != r.PartitionKey.Length);
        Assert.Contains(all, r => r.Data.Length > 127);
        Assert.True(total > 400);
    }

    [Fact]
    public async Task A_256_character_unicode_key_and_the_extreme_hash_keys_round_trip()
    {
        var longKey = string.Concat(Enumerable.Repeat("🔑", 128));
        List<AggregateEntry> group =
        [
            new(longKey, "0", [1, 2, 3]),
            new("max", "340282366920938463463374607431768211455", []),
            new(longKey, null, "x"u8.ToArray()),
        ];

        var aggregate = Assert.Single(await NodeKplAggregator.AggregateAsync([group]));
        var output = new List<UserRecord>();
        KplDeaggregator.Default.Deaggregate(Received(aggregate.Bytes), output);

        Assert.Equal(256, longKey.Length);
        Assert.Equal(group.Select(r => (r.PartitionKey, r.ExplicitHashKey)), output.Select(r => (r.PartitionKey, r.ExplicitHashKey)));
        Assert.Equal(group.Select(r => r.Data), output.Select(r => r.Data.ToArray()));
    }

    /// <summary>
    /// aws-kinesis-agg 4.2.8 writes its key tables with <c>Object.keys</c>, which lists integer-like keys ("7", "5")
    /// first, in numeric order, while the records keep their insertion-order indexes. The bytes then pair records
    /// with the wrong keys; its own deaggregator reads them back the same way. We decode what the bytes say.
    /// </summary>
    [Fact]
    public async Task Aws_kinesis_agg_reorders_integer_like_keys_and_we_decode_the_bytes_as_written()
    {
        const string bigHashKey = "340282366920938463463374607431768211455";
        List<AggregateEntry> group = [new("b", bigHashKey, "first"u8.ToArray()), new("7", "5", "second"u8.ToArray())];

        var bytes = Assert.Single(await NodeKplAggregator.AggregateAsync([group])).Bytes;
        var output = new List<UserRecord>();
        KplDeaggregator.Default.Deaggregate(Received(bytes), output);

        // pk table ["7", "b"]: "7" comes first although "b" was added first.
        Assert.Equal(KplTestRecords.Hex("f3899ac2 0a0137 0a0162"), bytes[..10]);
        Assert.Equal(("7", "5", "first"), (output[0].PartitionKey, output[0].ExplicitHashKey, Encoding.UTF8.GetString(output[0].Data.Span)));
        Assert.Equal(("b", bigHashKey, "second"), (output[1].PartitionKey, output[1].ExplicitHashKey, Encoding.UTF8.GetString(output[1].Data.Span)));
    }

    private static List<AggregateEntry> RandomGroup(Random random, int index)
    {
        var keys = Enumerable.Range(0, random.Next(1, 6)).Select(_ => RandomKey(random)).ToArray();
        var hashKeys = Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomHashKey(random)).ToArray();
        var withHashKeys = index % 3;
        return [.. Enumerable.Range(0, random.Next(1, 30)).Select(_ => new AggregateEntry(
            keys[random.Next(keys.Length)],
            withHashKeys switch
            {
                0 => null,
                1 => hashKeys[random.Next(hashKeys.Length)],
                _ => random.Next(2) == 0 ? null : hashKeys[random.Next(hashKeys.Length)],
            },
            RandomData(random)))];
    }

    private static string RandomKey(Random random)
    {
        while (true)
        {
            var key = string.Concat(Enumerable.Range(0, random.Next(1, 40)).Select(_ => s_alphabet[random.Next(s_alphabet.Length)]));
            // All-digit keys are reordered by aws-kinesis-agg itself; see the test above.
            if (!key.All(char.IsAsciiDigit))
            {
                return key;
            }
        }
    }

    private static string RandomHashKey(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes).ToString();
    }

    private static byte[] RandomData(Random random)
    {
        var data = new byte[random.Next(5) switch { 0 => 0, 1 => random.Next(1, 16), 2 => random.Next(128, 2_000), _ => random.Next(16, 128) }];
        random.NextBytes(data);
        return data;
    }
}
