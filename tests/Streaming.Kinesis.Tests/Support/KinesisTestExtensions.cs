using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.Tests.Support;

internal static class KinesisTestExtensions
{
    public static async Task<IReadOnlyList<Shard>> CreateActiveStreamAsync(this KinesisClient client, string streamName, int shardCount)
    {
        await client.CreateStreamAsync(streamName, shardCount);
        await client.WaitForStreamActiveAsync(streamName, TimeSpan.FromSeconds(30));
        return await client.ListShardsAsync(streamName);
    }

    /// <summary>
    /// Reads from <paramref name="iterator"/> until at least <paramref name="minimum"/> records arrived and a page came
    /// back empty (so extra records would be seen too), the shard ended, or the time ran out.
    /// </summary>
    public static async Task<List<KinesisRecord>> ReadAsync(this KinesisClient client, string iterator, int minimum, int limit = 10_000)
    {
        var records = new List<KinesisRecord>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string? next = iterator;
        while (next is not null && DateTime.UtcNow < deadline)
        {
            var page = await client.GetRecordsAsync(next, limit);
            records.AddRange(page.Records);
            next = page.NextShardIterator;
            if (page.Records.Count == 0)
            {
                if (records.Count >= minimum)
                {
                    break;
                }

                await Task.Delay(100);
            }
        }

        return records;
    }
}
