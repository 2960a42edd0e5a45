using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Testing.Delta;

namespace KinesisGrains.MultiProcess;

/// <summary>
/// What the silos' sinks wrote, read independently: a Delta table's log replayed here and its files read by DuckDB, a
/// DynamoDB table item by item.
/// </summary>
internal static class SinkTables
{
    /// <summary>The user-activity changelog in DynamoDB (one item per user, its latest summary) against the truth.</summary>
    public static async Task<List<string>> UserItemProblemsAsync(ProcessCluster cluster, string table, GroundTruth truth)
    {
        using var dynamo = new AmazonDynamoDBClient(
            new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig { ServiceURL = cluster.Emulators.DynamoDB.ToString(), AuthenticationRegion = "us-east-1" });
        var problems = new List<string>();
        foreach (var (user, expected) in truth.Users)
        {
            var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = table, Key = new() { ["key"] = new AttributeValue { S = user } }, ConsistentRead = true })).Item;
            var (events, bytes) = (item?.GetValueOrDefault("eventCount")?.N, item?.GetValueOrDefault("totalBytes")?.N);
            if (events != expected.EventCount.ToString(CultureInfo.InvariantCulture) || bytes != expected.TotalBytes.ToString(CultureInfo.InvariantCulture))
            {
                problems.Add($"{user}: {events ?? "no item"} events {bytes} bytes, expected {expected.EventCount} and {expected.TotalBytes}");
            }
        }

        return problems;
    }

    /// <summary>
    /// Exactly once: the clicks table (<c>tables/clicks</c>, one row per user-activity event) against the truth, each
    /// user's rows numbered 1..N with no gap and no repeat; and the log's versions are contiguous.
    /// </summary>
    public static async Task<List<string>> ClickProblemsAsync(ProcessCluster cluster, GroundTruth truth)
    {
        if (await QueryAsync(cluster, "tables/clicks", "SELECT userId, count(*), count(DISTINCT eventNumber), min(eventNumber), max(eventNumber) FROM t GROUP BY userId") is not { } table)
        {
            return ["no file committed yet"];
        }

        var rows = table.Rows
            .ToDictionary(r => (string)r[0]!, r => (Convert.ToInt64(r[1]), Convert.ToInt64(r[2]), Convert.ToInt64(r[3]), Convert.ToInt64(r[4])));
        var problems = truth.Users
            .Where(u => rows.GetValueOrDefault(u.Key) != (u.Value.EventCount, u.Value.EventCount, 1, u.Value.EventCount))
            .Select(u => $"{u.Key}: (rows, distinct, min, max) {rows.GetValueOrDefault(u.Key)}, expected {u.Value.EventCount} events")
            .ToList();
        if (table.Versions.Select((version, i) => version - i).Any(gap => gap != 0))
        {
            problems.Add("the log's versions are not contiguous");
        }

        return problems;
    }

    /// <summary>
    /// The rows <paramref name="sql"/> selects from the Delta table at <paramref name="path"/> (as <c>t</c>), read by DuckDB
    /// over the files its log lists, with the log's versions; null before its first commit.
    /// </summary>
    public static async Task<(List<object?[]> Rows, List<long> Versions)?> QueryAsync(ProcessCluster cluster, string path, string sql)
    {
        using var s3 = ClusterBucket.NewClient(cluster);
        using var reader = await IndependentDeltaReader.LoadAsync(s3, cluster.Stream, path);
        if (reader.LiveFiles.Count == 0)
        {
            return null;
        }

        using var duck = reader.OpenDuckDB();
        return (IndependentDeltaReader.Query(duck, sql), [.. reader.Commits.Keys]);
    }
}
