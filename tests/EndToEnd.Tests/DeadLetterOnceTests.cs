using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text;
using KinesisGrains.Abstractions.DeadLetters;
using KinesisGrains.DynamoDB;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>
/// Issue 13 ("also"): a dead letter is written once per record and reason, however often its record is read or its
/// event replayed, and shipped to S3 after a crash too.
/// </summary>
public sealed class DeadLetterOnceTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task A_record_the_handler_rejects_is_dead_lettered_once_when_its_shard_is_read_again()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        await cluster.Kinesis.PutRecordsAsync(stream, [new("not json at all"u8.ToArray(), "user-bad")]);
        var truth = await cluster.ProduceAsync(stream, records: 50, keys: 5);
        var application = "app-" + stream;
        var settings = cluster.SiloSettings(application, stream, data.Path);
        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await LocalCluster.WaitForCaughtUpAsync(silo, 51);
        }

        // The checkpoint as if it had never moved: the next silo reads the whole shard again.
        using var dynamo = cluster.DynamoDBClient();
        var leases = new ShardLeaseTable(dynamo, application);
        var shardId = (await cluster.Kinesis.ListShardsAsync(stream)).Single().ShardId;
        await leases.RewindAsync(shardId, SentinelCheckpoint.TrimHorizon, 0, CancellationToken.None);

        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await LocalCluster.WaitForCaughtUpAsync(silo, 51);
            Assert.Equal(51, silo.Source.Progress.Sum(p => p.RecordsRead));
            await using var client = await LocalCluster.ConnectAsync(silo);
            Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
        }

        var letter = Assert.Single(ReadLetters(data.Path));
        Assert.Equal("user-bad", letter.PartitionKey);
        Assert.Contains("not a JSON ClickEvent", letter.Reason);
    }

    [Fact]
    public async Task An_event_whose_logic_throws_is_dead_lettered_once_when_a_restored_partition_replays_it()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        const string user = "overflow-user";
        await cluster.Kinesis.PutRecordsAsync(stream,
        [
            new(Json($$"""{"userId":"{{user}}","type":"view","bytes":9223372036854775000,"timestamp":"2026-11-29T10:00:00Z"}"""), user),
            new(Json($$"""{"userId":"{{user}}","type":"click","bytes":1000,"timestamp":"2026-11-29T10:00:01Z"}"""), user),
            new(Json($$"""{"userId":"{{user}}","type":"view","bytes":5,"timestamp":"2026-11-29T10:00:02Z"}"""), user),
        ]);
        var settings = cluster.WithSnapshots(cluster.SiloSettings("app-" + stream, stream, data.Path), stream);

        // First life: the events are applied, then the silo is killed before any checkpoint barrier.
        var port = ProcessRunner.FreePort();
        using (var process = StartSilo(settings, ("Silo:HttpUrl", $"http://127.0.0.1:{port}"), ("Kinesis:CheckpointInterval", "01:00:00")))
        {
            await WaitForStatusAsync(process, port, status => status.GetProperty("recordsRead").GetInt64() >= 3, "the silo delivered the 3 records");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        // Second life: the partition restores what was durable (nothing) and the shard replays the events.
        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await LocalCluster.WaitForCaughtUpAsync(silo, 3);
            await using var client = await LocalCluster.ConnectAsync(silo);
            Assert.Equal(2, (await client.GetGrain<Grains.UserActivity.IUserActivity>(user).GetSummaryAsync()).EventCount);
        }

        var letter = Assert.Single(ReadLetters(data.Path));
        Assert.Equal(user, letter.PartitionKey);
        Assert.Contains("OverflowException", letter.Reason);
    }

    [Fact]
    public async Task Dead_letters_of_a_silo_killed_before_shipping_are_shipped_once_at_its_next_start()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        await cluster.Kinesis.PutRecordsAsync(stream, [new("not json at all"u8.ToArray(), "user-bad")]);
        await cluster.ProduceAsync(stream, records: 20, keys: 5);
        var application = "app-" + stream;
        var settings = cluster.WithSnapshots(cluster.SiloSettings(application, stream, data.Path), stream);
        settings["DeadLetters:S3Prefix"] = "dead-letters";
        settings["DeadLetters:FlushInterval"] = "01:00:00";

        // First life: the letter is in the local folder and the checkpoint passed its record; killed before shipping.
        using var dynamo = cluster.DynamoDBClient();
        var leases = new ShardLeaseTable(dynamo, application);
        var port = ProcessRunner.FreePort();
        using (var process = StartSilo(settings, ("Silo:HttpUrl", $"http://127.0.0.1:{port}")))
        {
            await WaitForAsync(
                process,
                async () => ReadLetters(data.Path).Any() && await CheckpointMovedAsync(leases),
                "the letter was written locally and the checkpoint moved");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        using var s3 = cluster.S3Client(stream);
        Assert.Empty(await ShippedAsync(s3, stream, application));

        // Second life: it ships what the first one left, at start (not at its flush interval, an hour away).
        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((await ShippedAsync(s3, stream, application)).Count == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the letters left by the killed silo were not shipped at start");
                await Task.Delay(200);
            }
        }

        var shipped = await ShippedAsync(s3, stream, application);
        var objectKey = Assert.Single(shipped);
        using var body = await s3.GetObjectAsync(stream, objectKey);
        var lines = (await new StreamReader(body.ResponseStream).ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.Contains("user-bad", line);
        Assert.Single(ReadLetters(data.Path));
    }

    private static List<DeadLetter> ReadLetters(string dataDirectory)
    {
        var folder = Path.Combine(dataDirectory, "dead-letters");
        return Directory.Exists(folder) ? new LocalDeadLetterQueue(folder).ReadAll().ToList() : [];
    }

    private static async Task<List<string>> ShippedAsync(Amazon.S3.IAmazonS3 s3, string bucket, string application)
    {
        var listing = await s3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = bucket, Prefix = $"dead-letters/{application}/" });
        return (listing.S3Objects ?? []).Select(o => o.Key).ToList();
    }

    private static async Task<bool> CheckpointMovedAsync(ShardLeaseTable leases)
    {
        try
        {
            return (await leases.ListAsync(CancellationToken.None)).Any(lease => !SentinelCheckpoint.IsSentinel(lease.Checkpoint));
        }
        catch (Amazon.DynamoDBv2.Model.ResourceNotFoundException)
        {
            return false;
        }
    }

    private static async Task WaitForStatusAsync(Process process, int port, Func<JsonElement, bool> condition, string what)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await WaitForAsync(
            process,
            async () =>
            {
                try
                {
                    return condition(await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{port}/status"));
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            },
            what);
    }

    private static async Task WaitForAsync(Process process, Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await condition())
        {
            if (process.HasExited)
            {
                Assert.Fail($"the silo exited by itself (code {process.ExitCode}): {await process.StandardError.ReadToEndAsync()}");
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(100);
        }
    }

    private static Process StartSilo(Dictionary<string, string?> settings, params (string Key, string Value)[] extra)
    {
        var all = new Dictionary<string, string?>(settings);
        foreach (var (key, value) in extra)
        {
            all[key] = value;
        }

        var process = ProcessRunner.Start("KinesisGrains.Silo.dll", all.Select(pair => $"--{pair.Key}={pair.Value}").Append("--Logging:LogLevel:Default=Warning"));
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);
}
