using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using KinesisGrains.Abstractions.Diagnostics;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Grains.EventsPerMinute;
using KinesisGrains.Streaming.Kinesis.Leasing;
using Xunit;
using Xunit.Abstractions;
using KinesisGrains.Testing;

namespace KinesisGrains.MultiProcess;

/// <summary>
/// <c>kgrains rescale</c> with real processes while records flow: two silos of 16 partitions stop, the tool is killed
/// (SIGKILL) once while it uploads the new partitions' snapshots (nothing switched: the application still has 16, and
/// the next run begins anew) and once while it sets their pointers (pending: no silo starts until the tool runs again
/// and finishes it), then the silos
/// run with 48; then they go to 8 live, without stopping (`--live`), the tool killed once switched, before the silos
/// take the new count (input stays paused until the second run). A rescale of the
/// running application without --live is refused. At the end every user's activity is exact, and so are the clicks per minute of each type (kept as a part
/// in every partition: moved whole going up, merged going down); the test says how long input was paused. Last, the
/// running application is reset live to TRIM_HORIZON with its state cleared, the tool killed midway (input stays
/// paused until it runs again): every record is then counted once. A DynamoDB sink takes the users' summaries (the
/// changelog, committed per partition epoch) throughout: every item exact after the rescales and after the reset.
/// </summary>
public sealed class RescaleKillTests(ITestOutputHelper output)
{
    private const int Keys = 400;
    private const string UsersTable = "user-summaries";

    [Fact]
    public async Task Rescaling_16_to_48_to_8_with_the_tool_killed_keeps_every_key_exact_while_records_flow()
    {
        var total = Stopwatch.StartNew();
        await using var cluster = await ProcessCluster.StartAsync(
            silos: 2,
            shards: 4,
            ("Grains:PartitionCount", "16"),
            ("Kinesis:LeaseFailoverTime", "00:00:04"),
            ("Sinks:users:Type", "DynamoDB"),
            ("Sinks:users:StateName", "user-activity"),
            ("Sinks:users:Table", UsersTable),
            ("Sinks:users:CreateTableIfMissing", "true"));
        try
        {
            await RunAsync(cluster, total);
        }
        catch (Exception exception)
        {
            output.WriteLine($"FAILED: {exception.Message}\nSilo logs (kept): {cluster.LogDirectory}{cluster.LogTails()}");
            throw;
        }
    }

    private async Task RunAsync(ProcessCluster cluster, Stopwatch total)
    {
        using var dynamo = new AmazonDynamoDBClient(
            new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig { ServiceURL = cluster.Emulators.DynamoDB.ToString(), AuthenticationRegion = "us-east-1" });
        var leases = new ShardLeaseTable(dynamo, cluster.ApplicationName);
        string[] Rescale(int partitions) =>
        [
            "rescale", "--partitions", partitions.ToString(System.Globalization.CultureInfo.InvariantCulture), "--application", cluster.ApplicationName,
            "--dynamodb-endpoint", cluster.Emulators.DynamoDB.ToString(), "--s3-endpoint", cluster.Emulators.S3.ToString(), "--lease-failover-time", "2s",
        ];
        Dictionary<string, string> Environment(string? crashAt = null)
        {
            var environment = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "S3RVER", ["AWS_SECRET_ACCESS_KEY"] = "S3RVER", ["AWS_REGION"] = "us-east-1" };
            if (crashAt is not null)
            {
                environment[CrashPoints.EnvironmentVariable] = crashAt;
            }

            return environment;
        }

        async Task<string> PartitionCountAsync() => (await leases.GetApplicationFactsAsync(CancellationToken.None))![ApplicationRecord.PartitionCountFact];

        await cluster.StartAllAsync();
        Log(total, "2 silos of 16 partitions up; records flow from here to the end");

        // Records flow through the whole run, silos up or not.
        var truth = new GroundTruth();
        var producer = new ClickstreamProducer(cluster.Kinesis, cluster.Stream);
        using var stopProducing = new CancellationTokenSource();
        var chunks = 0;
        var producing = Task.Run(async () =>
        {
            while (!stopProducing.IsCancellationRequested)
            {
                await producer.ProduceAsync(200, Keys, seed: chunks++, truth);
                await Task.Delay(300);
            }
        });

        // Under DynamoDB clustering the tool knows running silos by their leases: a silo that holds none yet (its first
        // shard sync still to come) looks stopped. So the check runs once the silos hold leases. The tool is given 2 s,
        // shorter than the 4 s the silos recorded as their lease failover time (they renew every 1.3 s): it watches a
        // lease for their 4 s, which it would not have done before (a running silo then looked stopped now and then).
        var leasesDeadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await leases.ListAsync(CancellationToken.None)).Any(l => l.LeaseOwner is not null))
        {
            Assert.True(DateTime.UtcNow < leasesDeadline, "no silo took a lease within 60 s");
            await Task.Delay(250);
        }

        await Task.Delay(TimeSpan.FromSeconds(5));
        var running = await KgrainsTool.RunAsync(Rescale(48), Environment());
        Assert.True(
            running.ExitCode == 1 && running.Errors.Contains("stop every silo of the application before rescaling it", StringComparison.Ordinal)
                && running.Output.Contains("longer than --lease-failover-time 2s", StringComparison.Ordinal),
            $"{running.ExitCode}: {running.Errors}{running.Output}");

        await Task.WhenAll(cluster.Silos.Select(s => s.StopAsync(TimeSpan.FromSeconds(60))));
        var paused = Stopwatch.StartNew();
        Log(total, $"silos stopped after {chunks} chunks");

        // Killed while uploading: the old partitions are the application's still.
        var killed = await KgrainsTool.RunAsync(Rescale(48), Environment(CrashPoints.RescaleAfterUpload + "@20"));
        Assert.True(killed.ExitCode != 0 && killed.Errors.Contains("crashing at " + CrashPoints.RescaleAfterUpload, StringComparison.Ordinal), $"{killed.ExitCode}: {killed.Errors}{killed.Output}");
        Assert.Equal("16", await PartitionCountAsync());
        Assert.Contains("\"snapshots\":{}", await leases.GetPendingRescaleAsync(CancellationToken.None));
        Log(total, "kgrains rescale SIGKILLed after 20 uploads: still 16 partitions, nothing switched (pending: preparing)");

        // Killed while setting pointers: pending, and a silo refuses to start until the tool finishes it.
        killed = await KgrainsTool.RunAsync(Rescale(48), Environment(CrashPoints.RescaleAfterPointer + "@30"));
        Assert.True(killed.ExitCode != 0 && killed.Errors.Contains("crashing at " + CrashPoints.RescaleAfterPointer, StringComparison.Ordinal), $"{killed.ExitCode}: {killed.Errors}{killed.Output}");
        Assert.Equal("16", await PartitionCountAsync());
        Assert.NotNull(await leases.GetPendingRescaleAsync(CancellationToken.None));
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.StartAsync(cluster.Silos[0], ("Grains:PartitionCount", "48")));
        Assert.True(cluster.Silos[0].ExitCode == 2, refused.Message);
        await Task.Delay(500); // its last words reach the log
        Assert.Contains(cluster.Silos[0].Tail(20).Split('\n'), line => line.Contains("unfinished rescale", StringComparison.Ordinal));
        Log(total, "kgrains rescale SIGKILLed after 30 pointers: pending, a silo refuses to start");

        var finished = await KgrainsTool.RunAsync(Rescale(48), Environment());
        Assert.True(finished.ExitCode == 0 && finished.Output.Contains("Finished the interrupted rescale from 16 to 48", StringComparison.Ordinal), $"{finished.ExitCode}: {finished.Errors}{finished.Output}");
        Assert.Equal("48", await PartitionCountAsync());

        await Task.WhenAll(cluster.Silos.Select(s => cluster.StartAsync(s, ("Grains:PartitionCount", "48"))));
        Log(total, $"silos up with 48 partitions: input paused {paused.Elapsed.TotalSeconds:F1} s (stop, two killed runs, the finishing run, start)");
        await Task.Delay(TimeSpan.FromSeconds(5));

        // Down to 8 live, the silos kept running: the demo's clicks per minute keep a part of each minute in every
        // partition, so the new partitions merge the parts they are given when they open. The tool is killed once
        // switched, before the silos take the count (paused: no silo reads by a count that is not the application's; a
        // kill while switching is the offline step's above); the second run finishes.
        string[] LiveRescale(int partitions) =>
        [
            .. Rescale(partitions), "--live", "--membership-table", cluster.MembershipTable, "--cluster-id", cluster.ClusterId,
        ];
        paused.Restart();
        killed = await KgrainsTool.RunAsync(LiveRescale(8), Environment(CrashPoints.LiveRescaleSwitched + "@1"));
        Assert.True(killed.ExitCode != 0 && killed.Errors.Contains("crashing at " + CrashPoints.LiveRescaleSwitched, StringComparison.Ordinal), $"{killed.ExitCode}: {killed.Errors}{killed.Output}");
        Assert.Equal("8", await PartitionCountAsync());
        Assert.NotNull(await leases.GetPausedSinceAsync(CancellationToken.None));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.All(await leases.ListAsync(CancellationToken.None), lease => Assert.True(lease.LeaseOwner is null || lease.IsShardEnd, $"{lease.LeaseKey} taken by {lease.LeaseOwner} while a live rescale is unfinished"));
        Log(total, "kgrains rescale --live SIGKILLed once switched: 8 partitions recorded, still paused, no lease taken");
        finished = await KgrainsTool.RunAsync(LiveRescale(8), Environment());
        Assert.True(finished.ExitCode == 0 && finished.Output.Contains("Finished the interrupted rescale to 8 partitions", StringComparison.Ordinal) && finished.Output.Contains("2 silo(s) route by the new count", StringComparison.Ordinal), $"{finished.ExitCode}: {finished.Errors}{finished.Output}");
        Assert.Null(await leases.GetPausedSinceAsync(CancellationToken.None));
        Log(total, $"live rescale to 8 finished, input resumed: paused {paused.Elapsed.TotalSeconds:F1} s (a killed run, the finishing run); silos never stopped");

        // The sink's rows crossed both rescales: rows a partition staged were committed by its hand-over (a snapshot
        // after that holds none), and the new partitions numbered their epochs above every old one's.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stopProducing.CancelAsync();
        await producing;
        Log(total, $"{truth.Events} records produced over {truth.Users.Count} keys");
        await using var client = await cluster.ConnectAsync();
        var state = await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(120), CancellationToken.None);
        Assert.True(state.Count == 0, $"{state.Count} keys' state differ from the truth, e.g. {string.Join("; ", state.Take(3))}");
        var items = await Eventually.NoProblemsAsync(() => SinkTables.UserItemProblemsAsync(cluster, UsersTable, truth), TimeSpan.FromSeconds(60));
        Assert.True(items.Count == 0, $"{items.Count} users' items in the sink's table differ, e.g. {string.Join("; ", items.Take(3))}");
        Log(total, "every user exact, in the state and in the sink's table");

        // Reset live to TRIM_HORIZON with the state cleared, the tool killed after a few pointers: input stays paused (no
        // silo takes a lease) until the same command runs again and finishes; then every record is counted once.
        string[] LiveReset() =>
        [
            "reset", "--live", "--to", "TRIM_HORIZON", "--clear-state", "--application", cluster.ApplicationName,
            "--dynamodb-endpoint", cluster.Emulators.DynamoDB.ToString(), "--s3-endpoint", cluster.Emulators.S3.ToString(),
            "--membership-table", cluster.MembershipTable, "--cluster-id", cluster.ClusterId,
        ];
        paused.Restart();
        killed = await KgrainsTool.RunAsync(LiveReset(), Environment(CrashPoints.RescaleAfterPointer + "@3"));
        Assert.True(killed.ExitCode != 0 && killed.Errors.Contains("crashing at " + CrashPoints.RescaleAfterPointer, StringComparison.Ordinal), $"{killed.ExitCode}: {killed.Errors}{killed.Output}");
        Assert.NotNull(await leases.GetPausedSinceAsync(CancellationToken.None));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.All(await leases.ListAsync(CancellationToken.None), lease => Assert.True(lease.LeaseOwner is null || lease.IsShardEnd, $"{lease.LeaseKey} taken by {lease.LeaseOwner} while a live reset is unfinished"));
        Log(total, "kgrains reset --live SIGKILLed after 3 pointers: still paused, no lease taken");
        finished = await KgrainsTool.RunAsync(LiveReset(), Environment());
        Assert.True(finished.ExitCode == 0, $"{finished.ExitCode}: {finished.Errors}{finished.Output}");
        Assert.Null(await leases.GetPausedSinceAsync(CancellationToken.None));
        Log(total, $"live reset finished, input resumed: paused {paused.Elapsed.TotalSeconds:F1} s (a killed run, the finishing run); silos never stopped");

        state = await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(120), CancellationToken.None);
        Assert.True(state.Count == 0, $"{state.Count} keys' state differ from the truth after the reset, e.g. {string.Join("; ", state.Take(3))}");
        items = await Eventually.NoProblemsAsync(() => SinkTables.UserItemProblemsAsync(cluster, UsersTable, truth), TimeSpan.FromSeconds(60));
        Assert.True(items.Count == 0, $"{items.Count} users' items in the sink's table differ after the reset, e.g. {string.Join("; ", items.Take(3))}");
        Log(total, "every user exact after the reset, in the state and in the sink's table");

        // The clicks per minute of each type, summed over the run's minutes, are every click of the type: the parts of
        // 16 partitions moved whole into 48, and 48 merged into 8.
        var types = truth.Users.Values.SelectMany(u => u.EventsByType).GroupBy(t => t.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(t => t.Value), StringComparer.Ordinal);
        foreach (var (type, typeClicks) in types)
        {
            var minutes = await client.Client.GetGrain<IEventsPerMinute>(type).GetMinutesAsync();
            Assert.True(minutes.Sum(m => m.Events) == typeClicks, $"{type}: {minutes.Sum(m => m.Events)} clicks in {minutes.Length} minutes, the truth has {typeClicks}");
        }

        Log(total, $"clicks per minute of {types.Count} types exact");
    }

    private void Log(Stopwatch total, string what) => output.WriteLine($"[{total.Elapsed.TotalSeconds,6:F1} s] {what}");
}
