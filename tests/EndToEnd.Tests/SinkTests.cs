using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>
/// A silo with sinks from configuration: the user-activity changelog upserted into a DynamoDB table, its emitted click
/// rows put to another Kinesis stream. Read back with the plain AWS SDK and our Kinesis client, both equal the truth.
/// </summary>
public sealed class SinkTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task The_changelog_lands_in_DynamoDB_and_the_emitted_rows_in_Kinesis_once_per_event()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var output = await cluster.CreateStreamAsync(shards: 1);
        var table = "summaries-" + Guid.NewGuid().ToString("N")[..8];
        var truth = await cluster.ProduceAsync(stream, records: 1_500, keys: 120);
        var settings = cluster.SiloSettings("app-" + stream, stream, data.Path,
            ("Sinks:summaries:Type", "DynamoDB"),
            ("Sinks:summaries:StateName", "user-activity"),
            ("Sinks:summaries:Table", table),
            ("Sinks:summaries:CreateTableIfMissing", "true"),
            ("Sinks:clicks:Type", "Kinesis"),
            ("Sinks:clicks:StateName", "user-activity"),
            ("Sinks:clicks:StreamName", output));

        await using var silo = await LocalCluster.StartSiloAsync(settings);
        await LocalCluster.WaitForCaughtUpAsync(silo, 1_500);

        using var dynamo = new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig { ServiceURL = cluster.Emulators.DynamoDB.ToString(), AuthenticationRegion = "us-east-1" });
        var mismatches = await EventuallyAsync(async () =>
        {
            var wrong = new List<string>();
            foreach (var (user, expected) in truth.Users)
            {
                var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = table, Key = new() { ["key"] = new AttributeValue { S = user } }, ConsistentRead = true })).Item;
                var events = item?.GetValueOrDefault("eventCount")?.N;
                var bytes = item?.GetValueOrDefault("totalBytes")?.N;
                if (events != expected.EventCount.ToString(CultureInfo.InvariantCulture) || bytes != expected.TotalBytes.ToString(CultureInfo.InvariantCulture))
                {
                    wrong.Add($"{user}: {events ?? "no item"}/{bytes} events/bytes, expected {expected.EventCount}/{expected.TotalBytes}");
                }
            }

            return wrong;
        });
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} DynamoDB items differ, e.g. {string.Join("; ", mismatches.Take(3))}");

        // At least once: duplicates carry equal row ids; by row id, each user's rows number 1..N exactly.
        var gaps = await EventuallyAsync(async () =>
        {
            var rows = (await ReadAllAsync(cluster.Kinesis, output)).Select(r => JsonDocument.Parse(r.Data).RootElement).ToList();
            var byRowId = rows.GroupBy(r => r.GetProperty("rowId").GetString()!).ToList();
            var wrong = byRowId.Where(g => g.Select(r => r.GetProperty("row").GetRawText()).Distinct().Count() > 1).Select(g => $"row id {g.Key} with different rows").ToList();
            var numbers = byRowId.Select(g => g.First().GetProperty("row"))
                .GroupBy(r => r.GetProperty("userId").GetString()!)
                .ToDictionary(g => g.Key, g => g.Select(r => r.GetProperty("eventNumber").GetInt64()).Order().ToList());
            foreach (var (user, expected) in truth.Users)
            {
                var got = numbers.GetValueOrDefault(user) ?? [];
                if (!got.SequenceEqual(Enumerable.Range(1, (int)expected.EventCount).Select(n => (long)n)))
                {
                    wrong.Add($"{user}: {got.Count} rows (expected 1..{expected.EventCount})");
                }
            }

            return wrong;
        });
        Assert.True(gaps.Count == 0, $"{gaps.Count} users' click rows differ, e.g. {string.Join("; ", gaps.Take(3))}");

        // Each sink's block in the progress records: its rows are reported by the barrier after their commit.
        var reported = await EventuallyAsync(() =>
        {
            var sinks = silo.Source.Monitor.Recent.ToList().SelectMany(p => p.Sinks ?? []).ToList();
            return Task.FromResult(new[] { "summaries", "clicks" }
                .Where(name => sinks.Where(s => s.Name == name).Sum(s => s.NumOutputRows) == 0)
                .Select(name => $"{name}: no rows reported in {sinks.Count} sink blocks").ToList());
        });
        Assert.Empty(reported);
        Assert.Contains(silo.Source.Monitor.Recent.ToList().SelectMany(p => p.Sinks ?? []), s => s.Name == "clicks" && s.Description.Contains(output, StringComparison.Ordinal));

        // Every user's row at least once (a user changed in several epochs has a row in each).
        var summaryRows = silo.Source.Monitor.Recent.ToList().SelectMany(p => p.Sinks ?? []).Where(s => s.Name == "summaries").Sum(s => s.NumOutputRows);
        Assert.True(summaryRows >= truth.Users.Count, $"{summaryRows} changelog rows reported for {truth.Users.Count} users");
    }

    /// <summary>Sinks commit after their epoch's barrier: retries the check for a while.</summary>
    private static async Task<List<string>> EventuallyAsync(Func<Task<List<string>>> check)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var wrong = await check();
            if (wrong.Count == 0 || DateTime.UtcNow > deadline)
            {
                return wrong;
            }

            await Task.Delay(250);
        }
    }

    private static async Task<List<KinesisRecord>> ReadAllAsync(KinesisClient kinesis, string stream)
    {
        var records = new List<KinesisRecord>();
        foreach (var shard in await kinesis.ListShardsAsync(stream))
        {
            var iterator = await kinesis.GetShardIteratorAsync(stream, shard.ShardId, ShardIteratorType.TrimHorizon);
            while (iterator is not null)
            {
                var page = await kinesis.GetRecordsAsync(iterator);
                if (page.Records.Count == 0)
                {
                    break;
                }

                records.AddRange(page.Records);
                iterator = page.NextShardIterator;
            }
        }

        return records;
    }
}
