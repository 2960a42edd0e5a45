using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using KinesisGrains.Abstractions.Partitions;
using KinesisGrains.Abstractions.Serialization;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.DynamoDB;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>
/// <c>kgrains state export</c> and <c>kgrains state get</c> against a real application's snapshots: a silo read known
/// records into snapshots in s3rver (pointers in dynalite) and stopped; the exported state must equal the ground truth
/// the producer computed, key by key, with no silo running.
/// </summary>
public sealed class StateExportTests(StateExportTests.StoppedApplication app) : IClassFixture<StateExportTests.StoppedApplication>
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Export_writes_every_key_with_the_state_the_ground_truth_says_and_a_summary_of_the_snapshots()
    {
        var to = Path.Combine(app.Data.Path, "state.jsonl");
        var (exitCode, stdout, stderr) = await app.RunAsync(["state", "export", "--to", to, "--json"]);

        Assert.True(exitCode == 0, $"exit {exitCode}: {stderr}{stdout}");
        Assert.Empty(stderr);
        var lines = ReadLines(to);
        AssertEqualsTruth(app.Truth.Users.Keys, lines);

        // Each key sits in the partition the pinned partition count hashes it to.
        var map = new PartitionMap(StoppedApplication.Partitions);
        Assert.All(lines, line => Assert.Equal(map.GetPartition(line.Key), line.Partition));

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(app.Data.Path, "state_export.json")));
        var root = summary.RootElement;
        Assert.Equal(app.Truth.Users.Count, root.GetProperty("keys").GetInt64());
        Assert.Equal("latest", root.GetProperty("source").GetString());
        var partitions = root.GetProperty("states").EnumerateArray().Single().GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal(StoppedApplication.Partitions, partitions.Count);
        Assert.All(partitions, p => Assert.True(p.GetProperty("snapshotId").GetInt64() > 0));

        // The covered positions are the stream's: every shard appears, and the stdout document is the same summary.
        var shards = partitions.SelectMany(p => p.GetProperty("covered").EnumerateObject().Select(c => c.Name)).ToHashSet();
        Assert.Equal(StoppedApplication.Shards, shards.Count);
        using var printed = JsonDocument.Parse(stdout);
        Assert.Equal(app.Truth.Users.Count, printed.RootElement.GetProperty("keys").GetInt64());
    }

    [Fact]
    public async Task A_key_prefix_exports_exactly_the_keys_that_start_with_it_to_an_S3_object()
    {
        const string prefix = "user-00001";
        var (exitCode, stdout, stderr) = await app.RunAsync(
            ["state", "export", "--to", $"s3://{app.Bucket}/exports/some.jsonl", "--key-prefix", prefix, "--state", "user-activity"]);

        Assert.True(exitCode == 0, $"exit {exitCode}: {stderr}{stdout}");
        using var s3 = Delta.DeltaTestTables.S3Client(app.Emulators.S3);
        using var body = await s3.GetObjectAsync(app.Bucket, "exports/some.jsonl");
        var lines = Parse(await new StreamReader(body.ResponseStream).ReadToEndAsync());
        var expected = app.Truth.Users.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(expected);
        AssertEqualsTruth(expected, lines);
        using var summary = await s3.GetObjectAsync(app.Bucket, "exports/some_export.json");
        Assert.Equal(expected.Count, JsonDocument.Parse(summary.ResponseStream).RootElement.GetProperty("keys").GetInt64());
    }

    [Fact]
    public async Task Get_prints_one_keys_state_from_its_partitions_snapshot()
    {
        var key = app.Truth.Users.Keys.Order(StringComparer.Ordinal).Skip(7).First();
        var (exitCode, stdout, stderr) = await app.RunAsync(["state", "get", key]);

        Assert.True(exitCode == 0, $"exit {exitCode}: {stderr}{stdout}");
        var state = JsonSerializer.Deserialize<UserActivityState>(stdout, StateSerializer.Options)!;
        Assert.Null(GroundTruth.Compare(app.Truth.Users[key], UserActivitySummary.Of(key, state)));

        var absent = await app.RunAsync(["state", "get", "no-such-user"]);
        Assert.Equal(1, absent.ExitCode);
        Assert.Contains("key 'no-such-user' has no state in user-activity.p-", absent.Stderr);
    }

    [Fact]
    public async Task Missing_snapshots_unknown_states_and_applications_are_refused_with_a_sentence()
    {
        var to = Path.Combine(app.Data.Path, "refused.jsonl");
        var noSuchSnapshot = await app.RunAsync(["state", "export", "--to", to, "--partition", "1", "--snapshot-id", "999999"]);
        Assert.Equal(1, noSuchSnapshot.ExitCode);
        Assert.Contains("Partition user-activity.p-00001 has no snapshot 999999", noSuchSnapshot.Stderr);

        var unknownState = await app.RunAsync(["state", "export", "--to", to, "--state", "user-activty"]);
        Assert.Equal(2, unknownState.ExitCode);
        Assert.Contains("there is no state named 'user-activty'", unknownState.Stderr);
        Assert.Contains("the states there are user-activity", unknownState.Stderr);

        var unknownApplication = await app.RunAsync(["state", "get", "user-000001"], application: "no-such-app");
        Assert.Equal(1, unknownApplication.ExitCode);
        Assert.Contains("application 'no-such-app' has no lease table", unknownApplication.Stderr);

        // A partition whose pointer names no committed snapshot: the export names it and writes nothing.
        var row = app.PointerKey("user-activity.p-00002");
        var saved = (await app.Dynamo.GetItemAsync(new GetItemRequest { TableName = app.PointerTable, Key = row, ConsistentRead = true })).Item;
        await app.Dynamo.DeleteItemAsync(app.PointerTable, row);
        try
        {
            var missing = await app.RunAsync(["state", "export", "--to", to]);
            Assert.Equal(1, missing.ExitCode);
            Assert.Contains("partition user-activity.p-00002 has no committed snapshot yet", missing.Stderr);
            Assert.False(File.Exists(to));
            Assert.Empty(Directory.GetFiles(app.Data.Path, "refused*"));
        }
        finally
        {
            await app.Dynamo.PutItemAsync(app.PointerTable, saved);
        }
    }

    private static List<(string Key, int Partition, JsonElement Value)> ReadLines(string path) => Parse(File.ReadAllText(path));

    private static List<(string Key, int Partition, JsonElement Value)> Parse(string text) =>
        [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            var element = JsonDocument.Parse(line).RootElement;
            Assert.Equal("user-activity", element.GetProperty("state").GetString());
            return (element.GetProperty("key").GetString()!, element.GetProperty("partition").GetInt32(), element.GetProperty("value").Clone());
        })];

    private void AssertEqualsTruth(IEnumerable<string> expectedKeys, List<(string Key, int Partition, JsonElement Value)> lines)
    {
        Assert.Equal(expectedKeys.Order(StringComparer.Ordinal), lines.Select(l => l.Key).Order(StringComparer.Ordinal));
        foreach (var (key, _, value) in lines)
        {
            var state = value.Deserialize<UserActivityState>(StateSerializer.Options)!;
            Assert.Null(GroundTruth.Compare(app.Truth.Users[key], UserActivitySummary.Of(key, state)));
        }
    }

    /// <summary>An application whose silo read known records into S3 snapshots, then stopped: only S3 and DynamoDB remain.</summary>
    public sealed class StoppedApplication : LocalCluster, IAsyncLifetime
    {
        public const int Partitions = 4;
        public const int Shards = 2;

        public TempDirectory Data { get; } = new("kgrains-state-export");

        public GroundTruth Truth { get; private set; } = null!;

        public string Application { get; private set; } = "";

        public string Bucket { get; private set; } = "";

        public IAmazonDynamoDB Dynamo { get; private set; } = null!;

        public string PointerTable => $"{Application}-snapshots";

        private string _incarnation = "";

        public async Task InitializeAsync()
        {
            var stream = await CreateStreamAsync(Shards);
            Truth = await ProduceAsync(stream, records: 1_500, keys: 120);
            Application = "app-" + stream;
            Bucket = stream;
            var settings = WithSnapshots(SiloSettings(Application, stream, Path.Combine(Data.Path, "silo"), ("Grains:PartitionCount", Partitions.ToString())), Bucket);

            // The graceful stop hands every partition over with a snapshot: the latest ones hold everything read.
            await using (var silo = await StartSiloAsync(settings))
            {
                await WaitForCaughtUpAsync(silo, Truth.Events);
                _incarnation = (await Kinesis.DescribeStreamSummaryAsync(stream)).StreamCreationTimestamp.ToUnixTimeMilliseconds().ToString();
            }

            Dynamo = DynamoDBClientFactory.Create(new DynamoDBOptions { ServiceUrl = Emulators.DynamoDB, AccessKeyId = "local", SecretAccessKey = "local" });
        }

        public Dictionary<string, AttributeValue> PointerKey(string partitionId) => new()
        {
            ["Partition"] = new AttributeValue { S = $"{Bucket}/snapshots/{Application}/{_incarnation}/{partitionId}" },
            ["Row"] = new AttributeValue { S = "pointer" },
        };

        /// <summary>Runs kgrains as a user would, with s3rver's keys in the environment and the emulators' endpoints.</summary>
        public Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] arguments, string? application = null) =>
            KgrainsProcess.RunAsync(
                [.. arguments, "--application", application ?? Application, "--dynamodb-endpoint", Emulators.DynamoDB.ToString(), "--s3-endpoint", Emulators.S3.ToString()],
                Data.Path,
                s_limit,
                Delta.DeltaTestTables.Credentials);

        public Task DisposeAsync()
        {
            Dynamo?.Dispose();
            Data.Dispose();
            return Task.CompletedTask;
        }
    }
}
