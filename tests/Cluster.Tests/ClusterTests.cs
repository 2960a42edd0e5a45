using System.Diagnostics.Metrics;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Abstractions.Diagnostics;
using KinesisGrains.Testing;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Xunit;
using Xunit.Abstractions;

namespace KinesisGrains.Tests;

/// <summary>
/// TestingHost clusters of Orleans silos in this process on kinesalite, dynalite and s3rver: the stream is consumed,
/// the cluster client reads every key's state wherever it lives, and silos stop or die while records flow.
/// </summary>
[Collection(nameof(MeteredClusterCollection))]
public sealed class ClusterTests(LocalCluster emulators, ITestOutputHelper output) : IClassFixture<LocalCluster>
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Silos_consume_the_stream_and_the_cluster_client_reads_every_total(int silos)
    {
        using var data = new TempDirectory();
        var stream = await emulators.CreateStreamAsync(shards: 4);
        var truth = await emulators.ProduceAsync(stream, records: 4_000, keys: 300);
        var settings = emulators.SiloSettings("app-" + stream, stream, data.Path);

        await using var cluster = await KinesisTestCluster.DeployAsync(emulators, settings, silos, data.Path);
        await WaitForTotalsAsync(cluster, truth, TimeSpan.FromSeconds(90), output);

        // Every record read; a shard stolen by a silo that joined later is read again from its checkpoint.
        Assert.InRange(cluster.RecordsRead, 4_000, 4_000L * silos);
        foreach (var key in new[] { "nobody ever/../é", ".", "..", new string('k', 256) })
        {
            var unknown = await cluster.Cluster.Client.GetGrain<IUserActivity>(key).GetSummaryAsync();
            Assert.Equal((key, 0L), (unknown.UserId, unknown.EventCount));
        }
    }

    [Fact]
    public async Task A_stopped_silo_and_a_killed_one_lose_nothing_and_moved_partitions_restore_from_their_snapshots()
    {
        using var data = new TempDirectory();
        var stream = await emulators.CreateStreamAsync(shards: 4);
        var settings = emulators.WithSnapshots(emulators.SiloSettings(
            "app-" + stream, stream, data.Path,
            ("Kinesis:LeaseFailoverTime", "00:00:01.500"),
            ("Kinesis:MaxRecordsPerFetch", "200")), stream);
        using var restores = new CounterListener("kgrains.state.partition_restores");
        using var gaps = new CounterListener("kgrains.state.partition_gaps");

        await using var cluster = await KinesisTestCluster.DeployAsync(emulators, settings, silos: 3, data.Path);
        Step("deployed");

        // Half the partitions live on the silo that stops, half on the one that dies; the first silo stays (it holds
        // the test cluster's membership table). The placement hint decides where a grain's first call activates it.
        var (stopping, doomed) = (cluster.Cluster.Silos[1], cluster.Cluster.Silos[2]);
        for (var partition = 0; partition < 8; partition++)
        {
            RequestContext.Set(IPlacementDirector.PlacementHintKey, partition < 4 ? doomed.SiloAddress : stopping.SiloAddress);
            await cluster.Cluster.Client.GetGrain<IUserActivityPartition>(partition).GetAsync("warm-up");
            RequestContext.Clear();
        }

        var truth = await emulators.ProduceAsync(stream, records: 3_000, keys: 200);
        await WaitForTotalsAsync(cluster, truth, TimeSpan.FromSeconds(90), output);
        Step("first totals");

        // Records keep coming while one silo stops gracefully and another dies.
        var producing = emulators.ProduceAsync(stream, records: 3_000, keys: 200, seed: 8, truth: truth, concurrency: 1);
        await Task.Delay(500);
        await cluster.Cluster.StopSiloAsync(stopping);
        Step("stopped a silo");
        await cluster.Cluster.KillSiloAsync(doomed);
        Step("killed a silo");
        truth = await producing;
        truth = await emulators.ProduceAsync(stream, records: 1_000, keys: 200, seed: 9, truth: truth);

        Step("produced");
        await WaitForTotalsAsync(cluster, truth, TimeSpan.FromSeconds(120), output);
        Step("final totals");
        Step($"{restores.Count} partition restores, {gaps.Count} gaps replayed");
        Assert.True(restores.Count > 0, "partitions of the silos that left must be restored from S3 on the one that remains");
    }

    private void Step(string text) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {text}");

    /// <summary>Polls the cluster client until every user's summary equals the truth.</summary>
    internal static async Task WaitForTotalsAsync(KinesisTestCluster cluster, GroundTruth truth, TimeSpan timeout, ITestOutputHelper? output = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        List<string> mismatches;
        do
        {
            await Task.Delay(500);
            mismatches = await truth.VerifyAsync(cluster.Cluster.Client, CancellationToken.None);
        }
        while (mismatches.Count > 0 && DateTime.UtcNow < deadline);

        foreach (var mismatch in mismatches.Take(5))
        {
            output?.WriteLine(mismatch);
        }

        Assert.Empty(mismatches);
    }
}
