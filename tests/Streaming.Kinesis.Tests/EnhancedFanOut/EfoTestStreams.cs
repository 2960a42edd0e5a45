using System.Text;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Tests.Support;

namespace KinesisGrains.Tests.EnhancedFanOut;

internal static class EfoTestStreams
{
    /// <summary>A new stream of <paramref name="shards"/> shards and an ACTIVE consumer on it.</summary>
    public static async Task<(string Stream, IReadOnlyList<Shard> Shards, StreamConsumer Consumer)> CreateWithConsumerAsync(KinesisClient client, string prefix, int shards = 1)
    {
        var stream = TestOptions.NewStreamName(prefix);
        var list = await client.CreateActiveStreamAsync(stream, shards);
        var summary = await client.DescribeStreamSummaryAsync(stream);
        var registered = await client.RegisterStreamConsumerAsync(summary.StreamArn, "efo-test");
        var consumer = await client.WaitForConsumerActiveAsync(registered.ConsumerArn, TimeSpan.FromSeconds(30));
        return (stream, list, consumer);
    }

    /// <summary>Puts records "{prefix}-{i}" for i in [from, to), all with one partition key (one shard), in order; returns their sequence numbers.</summary>
    public static async Task<List<string>> PutAsync(KinesisClient client, string stream, string prefix, int from, int to, string partitionKey = "k")
    {
        var sequenceNumbers = new List<string>();
        for (var start = from; start < to; start += 100)
        {
            var entries = Enumerable.Range(start, Math.Min(100, to - start))
                .Select(i => new PutRecordsRequestEntry(Encoding.UTF8.GetBytes($"{prefix}-{i}"), partitionKey))
                .ToList();
            var result = await client.PutRecordsAsync(stream, entries);
            if (result.FailedRecordCount != 0)
            {
                throw new InvalidOperationException($"{result.FailedRecordCount} records failed.");
            }

            sequenceNumbers.AddRange(result.Records.Select(r => r.SequenceNumber!));
        }

        return sequenceNumbers;
    }

    public static string Text(KinesisRecord record) => Encoding.UTF8.GetString(record.Data);
}
