using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using KinesisGrains.Abstractions.Diagnostics;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Streaming.Kinesis.Leasing;
using Xunit;
using Xunit.Abstractions;

namespace KinesisGrains.MultiProcess;

/// <summary>
/// <c>kgrains rescale</c> with real processes while records flow: two silos of 16 partitions stop, the tool is killed
/// (SIGKILL) once while it uploads the new partitions' snapshots (nothing changed: the application still has 16) and
/// once while it sets their pointers (pending: no silo starts until the tool runs again and finishes it), then the silos
/// run with 48. A rescale of the running application is refused, and one down to 8 of the stopped one (the demo's
/// clicks per minute keep a part of each minute in every partition). Every user's activity is exact at the end, and the
/// test says how long input was paused.
/// </summary>
public sealed class RescaleKillTests(ITestOutputHelper output)
{
    private const int Keys = 400;

    [Fact]
    public async Task A_rescale_killed_anywhere_finishes_or_leaves_the_old_partitions_and_every_key_stays_exact()
    {
        var total = Stopwatch.StartNew();
        await using var cluster = await ProcessCluster.StartAsync(silos: 2, shards: 4, ("Grains:PartitionCount", "16"));
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

        await Task.Delay(TimeSpan.FromSeconds(5));
        var running = await KgrainsTool.RunAsync(Rescale(48), Environment());
        Assert.True(running.ExitCode == 1 && running.Errors.Contains("stop every silo of the application before rescaling it", StringComparison.Ordinal), $"{running.ExitCode}: {running.Errors}");

        await Task.WhenAll(cluster.Silos.Select(s => s.StopAsync(TimeSpan.FromSeconds(60))));
        var paused = Stopwatch.StartNew();
        Log(total, $"silos stopped after {chunks} chunks");

        // Killed while uploading: the old partitions are the application's still.
        var killed = await KgrainsTool.RunAsync(Rescale(48), Environment(CrashPoints.RescaleAfterUpload + "@20"));
        Assert.True(killed.ExitCode != 0 && killed.Errors.Contains("crashing at " + CrashPoints.RescaleAfterUpload, StringComparison.Ordinal), $"{killed.ExitCode}: {killed.Errors}{killed.Output}");
        Assert.Equal("16", await PartitionCountAsync());
        Assert.Null(await leases.GetPendingRescaleAsync(CancellationToken.None));
        Log(total, "kgrains rescale SIGKILLed after 20 uploads: still 16 partitions, nothing pending");

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

        // Down to 8: the demo's clicks per minute keep a part of each minute in every partition, which would be merged.
        var down = await KgrainsTool.RunAsync(Rescale(8), Environment());
        Assert.True(down.ExitCode == 1 && down.Errors.Contains("can only be rescaled up", StringComparison.Ordinal), $"{down.ExitCode}: {down.Errors}{down.Output}");
        Assert.Equal("48", await PartitionCountAsync());

        await Task.WhenAll(cluster.Silos.Select(s => cluster.StartAsync(s, ("Grains:PartitionCount", "48"))));
        Log(total, $"silos up with 48 partitions: input paused {paused.Elapsed.TotalSeconds:F1} s (stop, two killed runs, the finishing run, a refused one, start)");
        await Task.Delay(TimeSpan.FromSeconds(4));

        await stopProducing.CancelAsync();
        await producing;
        Log(total, $"{truth.Events} records produced over {truth.Users.Count} keys");
        await using var client = await cluster.ConnectAsync();
        var state = await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(120), CancellationToken.None);
        Assert.True(state.Count == 0, $"{state.Count} keys' state differ from the truth, e.g. {string.Join("; ", state.Take(3))}");
        Log(total, "every key exact");
    }

    private void Log(Stopwatch total, string what) => output.WriteLine($"[{total.Elapsed.TotalSeconds,6:F1} s] {what}");
}
