using System.Globalization;
using System.Text.Json;
using KinesisGrains.Abstractions.Serialization;
using KinesisGrains.Cli;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.DynamoDB;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Silo.Hosting;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Streaming.Kinesis.Routing;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>
/// <c>kgrains reset</c> against silos on the emulators: after each reset the silo that starts holds exactly the ground
/// truth of the records from the new position (and nothing of the state before it), reads exactly those records, and
/// opens a new local state folder; a running application is refused.
/// </summary>
public sealed class ResetCommandTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task Each_reset_with_clear_state_leaves_exactly_the_records_from_its_position()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var application = "app-" + stream;
        // LATEST, so that a reset position the silo reads from is the reset's doing, never the initial position's.
        var settings = cluster.SiloSettings(application, stream, data.Path, ("Kinesis:InitialPosition", "LATEST"));
        var a = await cluster.ProduceAsync(stream, records: 300, keys: 30, seed: 1);
        await Task.Delay(1_500);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(1_500);
        var b = await cluster.ProduceAsync(stream, records: 300, keys: 30, seed: 2);
        await RunToTheEndAsync(settings, 0);

        // AT_TIMESTAMP between the two batches: B alone, A forgotten.
        await ResetAsync(application, "--to", "AT_TIMESTAMP", between.ToString("O"), "--clear-state");
        await RunToTheEndAsync(settings, 300, expected: b, absent: a);

        // LATEST: what is put after the reset alone, although it is put before the silo starts.
        await ResetAsync(application, "--to", "LATEST", "--clear-state");
        var c = await cluster.ProduceAsync(stream, records: 300, keys: 30, seed: 3);
        await RunToTheEndAsync(settings, 300, expected: c, absent: Merge(a, b));

        // TRIM_HORIZON: everything once, not on top of what the state held.
        await ResetAsync(application, "--to", "TRIM_HORIZON", "--clear-state");
        await RunToTheEndAsync(settings, 900, expected: Merge(a, b, c));

        // Each generation opened a folder of its own; the silo deleted the earlier ones.
        var folder = Assert.Single(Directory.GetDirectories(Path.Combine(data.Path, "state", application)));
        Assert.EndsWith("-g3", folder, StringComparison.Ordinal);

        // Rule 4 after a reset: the host lost its disk (no snapshots), every partition opens empty, and the first barrier
        // that moves a checkpoint (new records D) finds the gaps: the shards are read again from their origin, the
        // reset's TRIM_HORIZON (not the initial LATEST). Read: D, then A, B, C and D again.
        Directory.Delete(Path.Combine(data.Path, "state"), recursive: true);
        var all = new GroundTruth();
        await RunToTheEndAsync(settings, 1_000, expected: all, afterStart: async () =>
        {
            var d = await cluster.ProduceAsync(stream, records: 50, keys: 30, seed: 4);
            var merged = Merge(a, b, c, d);
            all.Events = merged.Events;
            foreach (var (user, summary) in merged.Users)
            {
                all.Users[user] = summary;
            }
        });
    }

    [Fact]
    public async Task A_reset_of_one_shard_reads_it_again_into_an_empty_state_and_a_running_application_is_refused()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var application = "app-" + stream;
        var settings = cluster.WithSnapshots(cluster.SiloSettings(application, stream, data.Path));
        var all = await cluster.ProduceAsync(stream, records: 400, keys: 40, seed: 4);
        var shards = await cluster.Kinesis.ListShardsAsync(stream);
        var shard = shards[0].ShardId;
        var (onShard, elsewhere) = Split(all, user => HashKey.FindShard(shards, user)!.ShardId == shard);
        Assert.NotEmpty(onShard.Users);
        Assert.NotEmpty(elsewhere.Users);

        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await LocalCluster.WaitForCaughtUpAsync(silo, 400);
            using var dynamo = cluster.DynamoDBClient();
            var leases = new ShardLeaseTable(dynamo, application);
            var before = (await leases.ListAsync(CancellationToken.None)).Select(l => (l.LeaseKey, l.Checkpoint)).Order().ToList();

            var (exitCode, stdout, stderr) = await RunAsync("reset", "--application", application, "--dynamodb-url", cluster.Emulators.DynamoDB.ToString(), "--to", "TRIM_HORIZON", "--clear-state");

            Assert.True(exitCode == ExitCodes.RuntimeError, $"exit code {exitCode}: {stdout}{stderr}");
            Assert.StartsWith("error: Silo '", stderr, StringComparison.Ordinal);
            Assert.Contains($"runs application '{application}'", stderr, StringComparison.Ordinal);
            Assert.EndsWith("or reset it running, at a barrier, with --live.", stderr.Trim(), StringComparison.Ordinal);
            Assert.Equal(before, (await leases.ListAsync(CancellationToken.None)).Select(l => (l.LeaseKey, l.Checkpoint)).Order().ToList());
            Assert.Equal(0L, await leases.GetStateGenerationAsync(CancellationToken.None));
        }

        // Stopped: the one shard is read again from its beginning into an empty state; the other keeps its checkpoint,
        // so its keys are empty now (a new snapshot prefix: nothing of the earlier state is restored either).
        await ResetAsync(application, "--to", "TRIM_HORIZON", "--shard", shard, "--clear-state");
        await RunToTheEndAsync(settings, onShard.Events, expected: onShard, absent: elsewhere);

        // The offline export reads the state of the reset's generation (the silo's graceful stop snapshotted it), not
        // the snapshots of the state the reset cleared: the keys of the one shard, each as the truth says.
        using var exported = new TempDirectory();
        var to = Path.Combine(exported.Path, "state.jsonl");
        var export = await KgrainsProcess.RunAsync(
            ["state", "export", "--state", "user-activity", "--to", to, "--application", application, "--dynamodb-endpoint", cluster.Emulators.DynamoDB.ToString(), "--s3-endpoint", cluster.Emulators.S3.ToString()],
            exported.Path,
            TimeSpan.FromMinutes(2),
            Delta.DeltaTestTables.Credentials);
        Assert.True(export.ExitCode == ExitCodes.Success, $"kgrains state export exited {export.ExitCode}: {export.Stderr}{export.Stdout}");
        var states = File.ReadAllLines(to).Select(line => JsonDocument.Parse(line).RootElement)
            .ToDictionary(e => e.GetProperty("key").GetString()!, e => e.GetProperty("value").Deserialize<UserActivityState>(StateSerializer.Options)!);
        Assert.Equal(onShard.Users.Keys.Order(StringComparer.Ordinal), states.Keys.Order(StringComparer.Ordinal));
        Assert.All(states, s => Assert.Null(GroundTruth.Compare(onShard.Users[s.Key], UserActivitySummary.Of(s.Key, s.Value))));
    }

    [Fact]
    public async Task A_silo_does_not_start_while_a_reset_holds_the_application()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var application = "app-" + stream;
        using var dynamo = cluster.DynamoDBClient();
        var leases = new ShardLeaseTable(dynamo, application);
        await leases.EnsureCreatedAsync(CancellationToken.None);
        Assert.Null(await leases.ClaimSoleSiloAsync(ReadPositionReset.ClaimHolder, DateTimeOffset.UtcNow, ReadPositionReset.ClaimLapse, CancellationToken.None));

        var refused = await Assert.ThrowsAsync<SiloStartupException>(() => LocalCluster.StartSiloAsync(cluster.SiloSettings(application, stream, data.Path)));

        Assert.Equal(
            $"kgrains reset is resetting the read position of application '{application}' (lease table '{application}'): start the silo once it is done.",
            refused.Message);
    }

    [Fact]
    public async Task A_running_application_pauses_resumes_and_is_reset_live_with_every_record_counted_once()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var application = "app-" + stream;
        var settings = cluster.WithSnapshots(cluster.SiloSettings(application, stream, data.Path, ("Grains:PartitionCount", "4"), ("Kinesis:CheckpointInterval", "00:00:00.300")), stream);
        var a = await cluster.ProduceAsync(stream, records: 200, keys: 20, seed: 5);
        await using var silo = await LocalCluster.StartSiloAsync(settings);
        await LocalCluster.WaitForCaughtUpAsync(silo, 200);
        await using var client = await LocalCluster.ConnectAsync(silo);
        Assert.Empty(await a.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(30), CancellationToken.None));
        string[] Table(params string[] args) =>
            [.. args, "--application", application, "--dynamodb-endpoint", cluster.Emulators.DynamoDB.ToString()];

        // Paused: the silo hands its leases back and reads nothing more, yet answers queries.
        await KgrainsProcess.SucceedAsync(Table("pause"));
        Assert.Empty(silo.Source.HeldShards);
        Assert.NotNull(silo.Source.PausedSince);
        var b = await cluster.ProduceAsync(stream, records: 100, keys: 20, seed: 6);
        await Task.Delay(1_500);
        Assert.Equal(200, silo.Source.Progress.Sum(p => p.RecordsRead));
        Assert.Empty(await a.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(5), CancellationToken.None));

        // Resumed: B is read from the checkpoints and applied once.
        await KgrainsProcess.SucceedAsync(Table("resume"));
        var ab = Merge(a, b);
        Assert.Empty(await ab.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(30), CancellationToken.None));

        // Live, clearing the state: every record from TRIM_HORIZON counted once, not on top of what was held.
        string[] Live(string state) =>
            [.. Table("reset", "--to", "TRIM_HORIZON", state, "--live", "--gateway", silo.GatewayPort.ToString(CultureInfo.InvariantCulture), "--cluster-id", silo.ClusterId), "--s3-endpoint", cluster.Emulators.S3.ToString()];
        var cleared = await KgrainsProcess.SucceedAsync(Live("--clear-state"));
        Assert.Matches(@"into an empty state; its input resumed after [0-9.]+ s paused\.", cleared);
        await LocalCluster.WaitForCaughtUpAsync(silo, 600);
        Assert.Empty(await ab.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(30), CancellationToken.None));

        // Live, keeping the state: every record applied again on top of it.
        await KgrainsProcess.SucceedAsync(Live("--keep-state"));
        await LocalCluster.WaitForCaughtUpAsync(silo, 900);
        Assert.Empty(await Merge(ab, ab).VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Null(silo.Source.PausedSince);
    }

    [Theory]
    [InlineData("Say what becomes of the state", "--to", "LATEST")]
    [InlineData("Say what becomes of the state", "--to", "LATEST", "--clear-state", "--keep-state")]
    [InlineData("--to AT_TIMESTAMP needs an ISO-8601 time", "--to", "AT_TIMESTAMP", "--clear-state")]
    [InlineData("--to AT_TIMESTAMP needs an ISO-8601 time", "--to", "AT_TIMESTAMP", "yesterday", "--clear-state")]
    [InlineData("--to LATEST takes no time", "--to", "LATEST", "2026-12-07T01:00:00Z", "--clear-state")]
    [InlineData("--to must be TRIM_HORIZON, LATEST or AT_TIMESTAMP", "--to", "EARLIEST", "--clear-state")]
    public async Task What_reset_does_not_do_is_a_usage_error_in_one_sentence(string sentence, params string[] args)
    {
        var (exitCode, stdout, stderr) = await RunAsync(["reset", "--application", "nothing-here", "--dynamodb-url", "http://127.0.0.1:1", .. args]);

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Equal("", stdout);
        Assert.StartsWith($"error: {sentence}", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    /// <summary>
    /// Starts a silo, waits until it read <paramref name="records"/> records and caught up, checks it read no more and
    /// holds exactly <paramref name="expected"/> (and nothing for the users only <paramref name="absent"/> has), and stops it.
    /// </summary>
    /// <param name="afterStart">What to do once the silo runs (put more records).</param>
    private static async Task RunToTheEndAsync(
        Dictionary<string, string?> settings, long records, GroundTruth? expected = null, GroundTruth? absent = null, Func<Task>? afterStart = null)
    {
        afterStart ??= () => Task.CompletedTask;
        await using var silo = await LocalCluster.StartSiloAsync(settings);
        await afterStart();
        await LocalCluster.WaitForCaughtUpAsync(silo, records);
        if (expected is null)
        {
            return;
        }

        await using var client = await LocalCluster.ConnectAsync(silo);
        Assert.Empty(await expected.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(30), CancellationToken.None));
        foreach (var user in (absent?.Users.Keys.ToList() ?? []).Where(u => !expected.Users.ContainsKey(u)))
        {
            Assert.Equal(0, (await client.Client.GetUserActivity(user).GetSummaryAsync()).EventCount);
        }

        Assert.Equal(records, silo.Source.Progress.Sum(p => p.RecordsRead));
    }

    private async Task ResetAsync(string application, params string[] args)
    {
        var (exitCode, stdout, stderr) = await RunAsync(["reset", "--application", application, "--dynamodb-url", cluster.Emulators.DynamoDB.ToString(), .. args]);
        Assert.True(exitCode == ExitCodes.Success, $"kgrains reset {string.Join(' ', args)} exited {exitCode}: {stderr}{stdout}");
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exitCode = await KgrainsCli.RunAsync(args, stdout, stderr);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The truth of several productions together: what a state that read all of them once holds.</summary>
    private static GroundTruth Merge(params GroundTruth[] truths)
    {
        var merged = new GroundTruth();
        foreach (var truth in truths)
        {
            merged.Events += truth.Events;
            foreach (var (user, summary) in truth.Users)
            {
                merged.Users[user] = merged.Users.TryGetValue(user, out var held)
                    ? held with
                    {
                        EventCount = held.EventCount + summary.EventCount,
                        TotalBytes = held.TotalBytes + summary.TotalBytes,
                        FirstSeen = held.FirstSeen < summary.FirstSeen ? held.FirstSeen : summary.FirstSeen,
                        LastSeen = held.LastSeen > summary.LastSeen ? held.LastSeen : summary.LastSeen,
                        EventsByType = held.EventsByType.Keys.Union(summary.EventsByType.Keys).ToDictionary(
                            type => type, type => held.EventsByType.GetValueOrDefault(type) + summary.EventsByType.GetValueOrDefault(type), StringComparer.Ordinal),
                    }
                    : summary;
            }
        }

        return merged;
    }

    /// <summary>A truth's users split by <paramref name="isIn"/>, with their events counted.</summary>
    private static (GroundTruth In, GroundTruth Out) Split(GroundTruth truth, Func<string, bool> isIn)
    {
        var (inside, outside) = (new GroundTruth(), new GroundTruth());
        foreach (var (user, summary) in truth.Users)
        {
            var part = isIn(user) ? inside : outside;
            part.Users[user] = summary;
            part.Events += summary.EventCount;
        }

        return (inside, outside);
    }
}
