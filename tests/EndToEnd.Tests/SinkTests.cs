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

    [Fact]
    public async Task Emitted_rows_and_the_changelog_land_in_Delta_tables_that_an_independent_reader_finds_exact()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var bucket = "delta-" + Guid.NewGuid().ToString("N")[..8];
        var truth = await cluster.ProduceAsync(stream, records: 2_000, keys: 150);
        var settings = cluster.WithSnapshots(cluster.SiloSettings("app-" + stream, stream, data.Path,
            ("Sinks:clicks:Type", "Delta"),
            ("Sinks:clicks:StateName", "user-activity"),
            ("Sinks:clicks:Output", "Emitted"),
            ("Sinks:clicks:Path", "tables/clicks"),
            ("Sinks:clicks:PartitionColumns:0", "date(timestamp)"),
            ("Sinks:clicks:LogStore", "DynamoDB"),
            ("Sinks:summaries:Type", "Delta"),
            ("Sinks:summaries:StateName", "user-activity"),
            ("Sinks:summaries:Output", "Changelog"),
            ("Sinks:summaries:Path", "tables/summaries"),
            ("Sinks:summaries:LogStore", "DynamoDB")), bucket);

        await using var silo = await LocalCluster.StartSiloAsync(settings);
        await LocalCluster.WaitForCaughtUpAsync(silo, 2_000);

        using var s3 = new Amazon.S3.AmazonS3Client(new BasicAWSCredentials("S3RVER", "S3RVER"), new Amazon.S3.AmazonS3Config { ServiceURL = cluster.Emulators.S3.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        var clickProblems = await EventuallyAsync(async () =>
        {
            using var table = await KinesisGrains.Testing.Delta.IndependentDeltaReader.LoadAsync(s3, bucket, "tables/clicks");
            if (table.LiveFiles.Count == 0)
            {
                return ["no file committed yet"];
            }

            using var duck = table.OpenDuckDB();
            var rows = KinesisGrains.Testing.Delta.IndependentDeltaReader.Query(duck, "SELECT userId, count(*), count(DISTINCT eventNumber), min(eventNumber), max(eventNumber) FROM t GROUP BY userId")
                .ToDictionary(r => (string)r[0]!, r => (Count: Convert.ToInt64(r[1]), Distinct: Convert.ToInt64(r[2]), Min: Convert.ToInt64(r[3]), Max: Convert.ToInt64(r[4])));
            return truth.Users.Where(u => rows.GetValueOrDefault(u.Key) != (u.Value.EventCount, u.Value.EventCount, 1, u.Value.EventCount))
                .Select(u => $"{u.Key}: {rows.GetValueOrDefault(u.Key)} (count, distinct, min, max), expected {u.Value.EventCount} events").ToList();
        });
        Assert.True(clickProblems.Count == 0, $"{clickProblems.Count} users' click rows differ, e.g. {string.Join("; ", clickProblems.Take(3))}");

        // The changelog appends each changed user's state per epoch: a user's latest row (the largest count) is the truth.
        var summaryProblems = await EventuallyAsync(async () =>
        {
            using var table = await KinesisGrains.Testing.Delta.IndependentDeltaReader.LoadAsync(s3, bucket, "tables/summaries");
            if (table.LiveFiles.Count == 0)
            {
                return ["no file committed yet"];
            }

            using var duck = table.OpenDuckDB();
            var latest = KinesisGrains.Testing.Delta.IndependentDeltaReader.Query(duck, "SELECT key, max(eventCount), max(totalBytes), bool_or(deleted) FROM t GROUP BY key")
                .ToDictionary(r => (string)r[0]!, r => (Events: Convert.ToInt64(r[1]), Bytes: Convert.ToInt64(r[2]), Deleted: (bool)r[3]!));
            return truth.Users.Where(u => latest.GetValueOrDefault(u.Key) != (u.Value.EventCount, u.Value.TotalBytes, false))
                .Select(u => $"{u.Key}: {latest.GetValueOrDefault(u.Key)}, expected {u.Value.EventCount}/{u.Value.TotalBytes}").ToList();
        });
        Assert.True(summaryProblems.Count == 0, $"{summaryProblems.Count} users' summaries differ, e.g. {string.Join("; ", summaryProblems.Take(3))}");

        using (var clicks = await KinesisGrains.Testing.Delta.IndependentDeltaReader.LoadAsync(s3, bucket, "tables/clicks"))
        {
            // Partitioned by the click's UTC date, from the log; one txn per state partition that had rows.
            Assert.Equal(["timestamp_date"], clicks.PartitionColumns);
            Assert.All(clicks.Txns.Keys, appId => Assert.StartsWith($"app-{stream}/clicks/user-activity/", appId));
            Assert.InRange(clicks.Txns.Count, 1, 8);
        }
    }

    [Fact]
    public async Task A_sink_with_a_commit_interval_gathers_epochs_and_still_commits_when_the_stream_goes_quiet()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var table = "gathered-" + Guid.NewGuid().ToString("N")[..8];
        var truth = await cluster.ProduceAsync(stream, records: 1_000, keys: 80);
        var settings = cluster.SiloSettings("app-" + stream, stream, data.Path,
            ("Kinesis:MaxRecordsPerFetch", "50"),
            ("Sinks:users:Type", "DynamoDB"),
            ("Sinks:users:StateName", "user-activity"),
            ("Sinks:users:Table", table),
            ("Sinks:users:CreateTableIfMissing", "true"),
            ("Sinks:users:CommitInterval", "00:00:03"));

        await using var silo = await LocalCluster.StartSiloAsync(settings);
        await LocalCluster.WaitForCaughtUpAsync(silo, 1_000);

        // No barrier comes once the stream is read: the partitions' timers hand the last epochs over.
        using var dynamo = new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig { ServiceURL = cluster.Emulators.DynamoDB.ToString(), AuthenticationRegion = "us-east-1" });
        var mismatches = await EventuallyAsync(async () =>
        {
            var wrong = new List<string>();
            foreach (var (user, expected) in truth.Users)
            {
                var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = table, Key = new() { ["key"] = new AttributeValue { S = user } }, ConsistentRead = true })).Item;
                if (item?.GetValueOrDefault("eventCount")?.N != expected.EventCount.ToString(CultureInfo.InvariantCulture))
                {
                    wrong.Add($"{user}: {item?.GetValueOrDefault("eventCount")?.N ?? "no item"} events, expected {expected.EventCount}");
                }
            }

            return wrong;
        });
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} items differ, e.g. {string.Join("; ", mismatches.Take(3))}");

        // Barriers every 0.5 s, commits at most every 3 s: some records show the sink epochs behind.
        var blocks = silo.Source.Monitor.Recent.ToList().SelectMany(p => p.Sinks ?? []).Where(s => s.Name == "users").ToList();
        Assert.Contains(blocks, b => b.EpochsBehind > 0);
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

    /// <summary>Sinks commit after their epoch's barrier: retries the check for a while.</summary>
    private static Task<List<string>> EventuallyAsync(Func<Task<List<string>>> check) => Eventually.NoProblemsAsync(check, TimeSpan.FromSeconds(30));
}
