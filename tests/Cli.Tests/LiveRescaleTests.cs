using System.Globalization;
using KinesisGrains.Cli;
using KinesisGrains.DynamoDB;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>
/// <c>kgrains rescale --live</c> against a running silo on the emulators, while records are put: the silo is never
/// restarted, routes by each new count once the command returns, and in the end holds every record exactly once; and a
/// silo the command never reached, which takes the recorded count by itself once it reads no shard.
/// </summary>
public sealed class LiveRescaleTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task A_running_application_is_rescaled_up_and_down_at_a_barrier_while_records_flow_and_counts_each_once()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var application = "app-" + stream;
        var settings = cluster.WithSnapshots(cluster.SiloSettings(application, stream, data.Path, ("Grains:PartitionCount", "4"), ("Kinesis:CheckpointInterval", "00:00:00.300")), stream);
        var truth = await cluster.ProduceAsync(stream, records: 200, keys: 20, seed: 11);
        await using var silo = await LocalCluster.StartSiloAsync(settings);
        await LocalCluster.WaitForCaughtUpAsync(silo, 200);
        await using var client = await LocalCluster.ConnectAsync(silo);
        Assert.Empty(await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(30), CancellationToken.None));

        // Records keep coming throughout: they wait in the stream while the input is paused.
        using var stop = new CancellationTokenSource();
        var producing = Task.Run(async () =>
        {
            for (var seed = 100; !stop.IsCancellationRequested; seed++)
            {
                await cluster.ProduceAsync(stream, records: 40, keys: 20, seed: seed, truth: truth, concurrency: 1);
                await Task.Delay(150);
            }
        });

        // Queries keep coming too: each is answered (by the old partitions until the switch), and the partitions they
        // wake while the input is paused do not stop the rescale (the tool takes their snapshot writer back).
        var users = truth.Users.Keys.ToList();
        var answered = 0;
        var querying = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await client.Client.GetUserActivity(users[i % users.Count]).GetSummaryAsync();
                answered++;
                await Task.Delay(20);
            }
        });

        string[] Rescale(int partitions) =>
        [
            "rescale", "--partitions", partitions.ToString(CultureInfo.InvariantCulture), "--live", "--application", application,
            "--dynamodb-endpoint", cluster.Emulators.DynamoDB.ToString(), "--s3-endpoint", cluster.Emulators.S3.ToString(),
            "--gateway", silo.GatewayPort.ToString(CultureInfo.InvariantCulture), "--cluster-id", silo.ClusterId,
        ];

        var up = await KgrainsProcess.SucceedAsync(Rescale(12));
        Assert.Matches(@"^Rescaled from 4 to 12 partitions in [0-9.]+ s: set, for the silos' next start, Grains:PartitionCount=12\. At a barrier, silos running: [0-9]+ partition\(s\) handed over, 1 silo\(s\) route by the new count; the input resumed after [0-9.]+ s paused\.$", up.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.Equal(12, silo.Source.Lanes.PartitionCount);
        await Task.Delay(1_000);
        var down = await KgrainsProcess.SucceedAsync(Rescale(2));
        Assert.Contains("Rescaled from 12 to 2 partitions", down, StringComparison.Ordinal);
        Assert.Equal(2, silo.Source.Lanes.PartitionCount);
        await Task.Delay(1_000);
        await stop.CancelAsync();
        await producing;
        await querying;
        Assert.True(answered > 50, $"{answered} queries answered during the rescales");

        // A second run finds nothing to do, and says so without pausing the input.
        var again = await KgrainsProcess.RunAsync(Rescale(2), data.Path, TimeSpan.FromMinutes(1), Delta.DeltaTestTables.Credentials);
        Assert.Equal(ExitCodes.RuntimeError, again.ExitCode);
        Assert.Contains($"Application '{application}' has 2 partitions already.", again.Stderr, StringComparison.Ordinal);
        Assert.Null(silo.Source.PausedSince);

        await LocalCluster.WaitForCaughtUpAsync(silo, truth.Events);
        Assert.Empty(await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(60), CancellationToken.None));
    }

    [Fact]
    public async Task A_silo_that_finds_a_new_partition_count_recorded_hands_its_leases_back_takes_it_and_reads_on()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var application = "app-" + stream;
        var settings = cluster.SiloSettings(application, stream, data.Path, ("Grains:PartitionCount", "4"), ("Kinesis:CheckpointInterval", "00:00:00.300"));
        await cluster.ProduceAsync(stream, records: 100, keys: 10, seed: 21);
        await using var silo = await LocalCluster.StartSiloAsync(settings);
        await LocalCluster.WaitForCaughtUpAsync(silo, 100);
        var released = new TaskCompletionSource();
        var watching = Task.Run(async () =>
        {
            // The receivers must stop before the count changes: the silo is seen holding no lease in between.
            while (silo.Source.Lanes.PartitionCount == 4)
            {
                if (silo.Source.HeldShards.Count == 0)
                {
                    released.TrySetResult();
                }

                await Task.Delay(5);
            }
        });

        // What a live rescale whose tool never reached this silo leaves in the lease table: the new count, no pause.
        using var dynamo = cluster.DynamoDBClient();
        await new ShardLeaseTable(dynamo, application).CompleteRescaleAsync(6, CancellationToken.None);

        await watching.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(released.Task.IsCompleted, "the silo took the new count while it still held shard leases");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (silo.Source.HeldShards.Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal(2, silo.Source.HeldShards.Count);
        Assert.Equal(6, silo.Source.Lanes.PartitionCount);
        Assert.Equal(6 * silo.Source.Lanes.ViewCount, silo.Source.Checkpointer.LaneCount);
        await cluster.ProduceAsync(stream, records: 50, keys: 10, seed: 22);
        await LocalCluster.WaitForCaughtUpAsync(silo, 150);
    }
}
