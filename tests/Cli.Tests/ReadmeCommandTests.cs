using System.Net.Http.Json;
using System.Text.Json;
using KinesisGrains.Cli;
using KinesisGrains.Silo.Hosting;
using KinesisGrains.Testing;
using Xunit;
using Xunit.Abstractions;

namespace KinesisGrains.Tests;

/// <summary>
/// Runs every <c>kgrains ...</c> line of README.md's code blocks, as written, against real emulators and a silo:
/// the only change is the README's local endpoints swapped for the test's free ports (see <see cref="ReadmeCommands.Substitute"/>).
/// </summary>
public sealed class ReadmeCommandTests(CliCluster cluster, ITestOutputHelper log) : IClassFixture<CliCluster>
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(3);

    [Fact]
    public void The_README_shows_every_kgrains_command()
    {
        var documented = ReadmeCommands.Extract(ReadReadme()).Select(c => c.FirstOrDefault()).ToHashSet();

        foreach (var command in KgrainsCli.CreateRootCommand().Subcommands)
        {
            Assert.Contains(command.Name, documented);
        }
    }

    [Fact]
    public async Task Every_kgrains_command_line_in_the_README_exits_0()
    {
        var commands = ReadmeCommands.Extract(ReadReadme());
        Assert.True(commands.Count >= 5, $"only {commands.Count} kgrains lines found in README.md");

        SiloInstance? silo = null;
        var tables = new HashSet<(string, string)>();
        foreach (var command in commands)
        {
            if (command[0] == "consumer")
            {
                // Enhanced fan-out needs kinesis-local; this cluster runs kinesalite. ConsumerCommandTests runs them.
                continue;
            }

            if (command is ["savepoint", "restore", ..])
            {
                // A restore needs every silo stopped; this cluster's silo serves the other lines. SavepointTests
                // (tests/EndToEnd.Tests) restores one and checks the state against the ground truth.
                continue;
            }

            // The README creates the stream and produces before it starts a silo; the rest talks to the silo, but for
            // delta, which works on a table in S3 (written here first, with several commits, where the line looks).
            if (silo is null && command[0] is not ("create-stream" or "produce" or "delta"))
            {
                silo = await cluster.SiloAsync();
            }

            if (command[0] == "delta"
                && (ReadmeCommands.ValueOf(command, "--bucket"), ReadmeCommands.ValueOf(command, "--path")) is ({ } bucket, { } path)
                && tables.Add((bucket, path)))
            {
                using var s3 = Delta.DeltaTestTables.S3Client(cluster.Emulators.S3);
                await Delta.DeltaTestTables.CreateAsync(s3, bucket, path, epochs: 5);
            }

            // reset, rescale, savepoint, pause and resume run against the README world's application (reset and rescale without
            // --live refused: its silo runs, as the README says; RescaleTests and RescaleKillTests rescale stopped ones).
            var line = command[0] is "reset" or "savepoint" or "rescale" or "pause" or "resume"
                ? command.Select((argument, i) => i > 0 && command[i - 1] == "--application" ? CliCluster.Application : argument).ToArray()
                : command;

            // A live rescale cuts and uploads every new partition of every state: to 12 rather than the README's 48, which
            // takes the README world's silo 30 s more on a busy 2-core machine (LiveRescaleTests covers up and down).
            if (command is ["rescale", ..] && command.Contains("--live"))
            {
                line = [.. line.Select((argument, i) => i > 0 && line[i - 1] == "--partitions" ? "12" : argument)];
            }
            var arguments = ReadmeCommands.Substitute(
                line, cluster.KinesisEndpoint, silo?.HttpEndpoint ?? new Uri("http://127.0.0.1:1"), silo?.GatewayPort ?? 1, cluster.Emulators.DynamoDB, cluster.Emulators.S3);
            var started = System.Diagnostics.Stopwatch.StartNew();

            // The README exports s3rver's keys for the delta, state, savepoint and rescale lines.
            var (exitCode, stdout, stderr) = await KgrainsProcess.RunAsync(
                arguments, cluster.WorkingDirectory.Path, s_limit, command[0] is "delta" or "state" or "savepoint" or "rescale" or "reset" ? Delta.DeltaTestTables.Credentials : null);
            log.WriteLine($"$ kgrains {string.Join(' ', arguments)}   ({started.Elapsed.TotalSeconds:F1} s)\n{stdout}");

            var shown = $"kgrains {string.Join(' ', command)}";
            if (command is ["reset", ..] && command.Contains("--live"))
            {
                // At a barrier, with the silo running: paused, partitions handed over, reset, resumed.
                Assert.True(exitCode == 0, $"'{shown}' exited {exitCode}: {stderr}{stdout}");
                Assert.Matches(@"its input resumed after [0-9.]+ s paused\.$", stdout.Trim());
                continue;
            }

            if (command[0] == "reset")
            {
                Assert.True(exitCode == ExitCodes.RuntimeError, $"'{shown}' exited {exitCode}: {stderr}{stdout}");
                Assert.Contains($"of application '{CliCluster.Application}' is held by silo", stderr, StringComparison.Ordinal);
                Assert.Contains("stop the application's silos and run reset again", stderr, StringComparison.Ordinal);
                continue;
            }

            if (command is ["rescale", ..] && command.Contains("--live"))
            {
                // The running silo's partitions change at a barrier: paused, handed over, rescaled, resumed.
                Assert.True(exitCode == 0, $"'{shown}' exited {exitCode}: {stderr}{stdout}");
                Assert.Matches(@"^Rescaled from [0-9]+ to 12 partitions .* 1 silo\(s\) route by the new count; the input resumed after [0-9.]+ s paused\.$", stdout.Trim().Split('\n')[^1]);

                // It reads again at its next shard sync; the lines after it expect a silo that holds its leases.
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (silo!.Source.HeldShards.Count == 0 && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }

                Assert.NotEmpty(silo.Source.HeldShards);
                Assert.Equal(12, silo.Source.Lanes.PartitionCount);
                continue;
            }

            if (command[0] == "rescale")
            {
                Assert.True(exitCode == ExitCodes.RuntimeError, $"'{shown}' exited {exitCode}: {stderr}{stdout}");
                Assert.Contains("stop every silo of the application before rescaling it", stderr, StringComparison.Ordinal);
                continue;
            }

            Assert.True(exitCode == 0, $"'{shown}' exited {exitCode}: {stderr}{stdout}");
            AssertNoErrorOutput(shown, stderr);
            if (arguments.Contains("--json"))
            {
                using var json = JsonDocument.Parse(stdout);
            }

            if (command[0] == "verify")
            {
                Assert.Contains("all match", stdout);
            }

            if (command is ["verify", ..] && command.Contains("--windows"))
            {
                Assert.Contains("every event counted once", stdout);
            }

            if (command is ["state", "export", ..])
            {
                Assert.StartsWith("Exported ", stdout);
            }

            if (command is ["savepoint", "list", ..])
            {
                Assert.Contains("before-upgrade", stdout);
            }

            if (command is ["delta", "optimize", ..])
            {
                Assert.StartsWith("Compacted 15 files", stdout);
            }
        }
    }

    [Fact]
    public async Task Json_output_of_each_command_has_its_documented_shape()
    {
        var silo = await cluster.SiloAsync();
        var kinesis = cluster.KinesisEndpoint.ToString();
        var cwd = cluster.WorkingDirectory.Path;

        using (var created = await RunJsonAsync(["create-stream", "--kinesis-url", kinesis, "--stream", "json-shapes", "--shards", "1", "--json"], cwd))
        {
            var root = created.RootElement;
            Assert.Equal("json-shapes", root.GetProperty("stream").GetString());
            Assert.True(root.GetProperty("created").GetBoolean());
            Assert.Equal("ACTIVE", root.GetProperty("status").GetString());
            Assert.Equal(1, root.GetProperty("openShards").GetInt32());
        }

        using (var produced = await RunJsonAsync(["produce", "--kinesis-url", kinesis, "--stream", "json-shapes", "--records", "700", "--keys", "30", "--truth", "json-truth.json", "--json"], cwd))
        {
            var root = produced.RootElement;
            Assert.Equal(700, root.GetProperty("records").GetInt64());
            Assert.Equal(30, root.GetProperty("users").GetInt32());
            Assert.True(root.GetProperty("recordsPerSecond").GetDouble() > 0);
            Assert.Equal(Path.Combine(cwd, "json-truth.json"), root.GetProperty("truth").GetString());
            Assert.True(File.Exists(Path.Combine(cwd, "json-truth.json")));
        }

        // status --json is the silo's /status document as it is, after waiting.
        using (var status = await RunJsonAsync(["status", "--silo", silo.HttpEndpoint.ToString(), "--wait-caught-up", "--timeout", "120", "--json"], cwd))
        {
            var root = status.RootElement;
            Assert.True(root.GetProperty("caughtUp").GetBoolean());
            Assert.Equal(CliCluster.Stream, root.GetProperty("streamName").GetString());
            Assert.Equal(4, root.GetProperty("shards").GetArrayLength());
            Assert.All(root.GetProperty("shards").EnumerateArray(), shard => Assert.StartsWith("shardId-", shard.GetProperty("shardId").GetString()));
        }

        using (var query = await RunJsonAsync(["query", "--gateway", silo.GatewayPort.ToString(), "user-000001", "nobody", "--json"], cwd))
        {
            var users = query.RootElement.EnumerateArray().ToList();
            Assert.Equal(["user-000001", "nobody"], users.Select(u => u.GetProperty("userId").GetString()));
            Assert.Equal(0, users[1].GetProperty("eventCount").GetInt64());
        }

        using (var sessions = await RunJsonAsync(["query", "sessions", "--gateway", silo.GatewayPort.ToString(), "user-000001", "nobody", "--json"], cwd))
        {
            var users = sessions.RootElement.EnumerateArray().ToList();
            Assert.Equal(["user-000001", "nobody"], users.Select(u => u.GetProperty("userId").GetString()));
            Assert.Equal(0, users[1].GetProperty("sessions").GetArrayLength());
            Assert.All(users[0].GetProperty("sessions").EnumerateArray(), session =>
            {
                Assert.True(session.GetProperty("end").GetDateTimeOffset() - session.GetProperty("start").GetDateTimeOffset() >= TimeSpan.FromMinutes(30));
                Assert.True(session.GetProperty("events").GetInt64() > 0);
                Assert.True(session.GetProperty("bytes").GetInt64() > 0);
                Assert.True(session.GetProperty("fired").ValueKind is JsonValueKind.True or JsonValueKind.False);
                Assert.True(session.GetProperty("closed").ValueKind is JsonValueKind.True or JsonValueKind.False);
            });
        }

        using (var perMinute = await RunJsonAsync(["query", "per-minute", "--gateway", silo.GatewayPort.ToString(), "--last", "2", "view", "never-a-type", "--json"], cwd))
        {
            var types = perMinute.RootElement.EnumerateArray().ToList();
            Assert.Equal(["view", "never-a-type"], types.Select(t => t.GetProperty("type").GetString()));
            Assert.InRange(types[0].GetProperty("minutes").GetArrayLength(), 1, 2);
            Assert.Equal(0, types[1].GetProperty("minutes").GetArrayLength());
            Assert.All(types[0].GetProperty("minutes").EnumerateArray(), minute =>
                Assert.Equal(TimeSpan.FromMinutes(1), minute.GetProperty("end").GetDateTimeOffset() - minute.GetProperty("start").GetDateTimeOffset()));
        }

        // A truth the silo's stream never saw: verify reports it in JSON, exits 1 and says why on stderr.
        var truth = new Cli.Clickstream.GroundTruth();
        truth.Add(new Grains.UserActivity.ClickEvent("never-seen", "view", 100, DateTimeOffset.UnixEpoch));
        truth.Save(Path.Combine(cwd, "unseen-truth.json"));
        var (exitCode, stdout, stderr) = await KgrainsProcess.RunAsync(["verify", "--gateway", silo.GatewayPort.ToString(), "--truth", "unseen-truth.json", "--windows", "--json"], cwd, s_limit);
        Assert.Equal(ExitCodes.RuntimeError, exitCode);
        using var verify = JsonDocument.Parse(stdout);
        Assert.False(verify.RootElement.GetProperty("match").GetBoolean());
        Assert.Equal(1, verify.RootElement.GetProperty("mismatchedUsers").GetInt32());
        Assert.Contains("never-seen", verify.RootElement.GetProperty("mismatches")[0].GetString());
        var windows = verify.RootElement.GetProperty("windows");
        Assert.False(windows.GetProperty("match").GetBoolean());
        Assert.Equal(1, windows.GetProperty("types").GetInt32());
        Assert.Contains("never-seen: events 0 != 1", windows.GetProperty("mismatches")[0].GetString());
        Assert.Equal("error: 1 of 1 users do not match the ground truth.", stderr.Trim());
    }

    [Fact]
    public async Task Status_prints_a_table_per_shard_with_its_owner_checkpoint_records_and_lag()
    {
        var silo = await cluster.SiloAsync();
        await LocalCluster.WaitForCaughtUpAsync(silo, 0);

        var (exitCode, stdout, stderr) = await KgrainsProcess.RunAsync(["status", "--silo", silo.HttpEndpoint.ToString()], cluster.WorkingDirectory.Path, s_limit);

        Assert.True(exitCode == 0, stderr);
        foreach (var header in new[] { "Shard", "Owner", "Checkpoint", "Records", "Lag" })
        {
            Assert.Contains(header, stdout);
        }

        using var http = new HttpClient();
        var siloId = (await http.GetFromJsonAsync<JsonElement>(new Uri(silo.HttpEndpoint, "status"))).GetProperty("siloId").GetString()!;
        foreach (var shard in silo.Source.Progress)
        {
            // The owner column is the silo that reads the shard.
            var row = stdout.Split('\n').Single(line => line.Contains(shard.ShardId, StringComparison.Ordinal));
            Assert.Contains(siloId, row);
        }

        Assert.DoesNotContain("\u001b[", stdout); // no colours when stdout is not a terminal
    }

    private static async Task<JsonDocument> RunJsonAsync(string[] arguments, string cwd)
    {
        var (exitCode, stdout, stderr) = await KgrainsProcess.RunAsync(arguments, cwd, s_limit);
        Assert.True(exitCode == 0, $"kgrains {string.Join(' ', arguments)} exited {exitCode}: {stderr}{stdout}");
        AssertNoErrorOutput(string.Join(' ', arguments), stderr);
        return JsonDocument.Parse(stdout);
    }

    // The Orleans client may log a warning on stderr on a loaded machine; an error line or a stack trace is a failure.
    private static void AssertNoErrorOutput(string command, string stderr)
    {
        Assert.False(stderr.Contains("error:", StringComparison.Ordinal), $"'{command}' reported an error: {stderr}");
        Assert.False(stderr.Contains("   at ", StringComparison.Ordinal), $"'{command}' printed a stack trace: {stderr}");
    }

    private static string ReadReadme() => File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
}
