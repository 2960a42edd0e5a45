using KinesisGrains.Testing;
using Orleans.TestingHost;
using Xunit;
using Xunit.Abstractions;

namespace KinesisGrains.Tests;

/// <summary>
/// Partition grains placed next to the shard that feeds them ([ShardAffinityPlacement] on the partition grain base
/// class): records stay on the silo that read them, where Orleans' default placement sends most across silos.
/// </summary>
[Collection(nameof(MeteredClusterCollection))]
public sealed class PartitionPlacementTests(LocalCluster emulators, ITestOutputHelper output) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task Partitions_placed_near_their_shards_get_fewer_events_from_other_silos_than_by_default_placement()
    {
        var unplaced = await MeasureCrossSiloShareAsync(placed: false);
        var placed = await MeasureCrossSiloShareAsync(placed: true);

        output.WriteLine($"events crossing silos (3 silos, 4 shards, 8 partitions): default placement {unplaced:P1}, near shards {placed:P1}");
        Assert.True(placed < unplaced, $"placed near shards {placed:P1} must cross less than default placement {unplaced:P1}");
    }

    private async Task<double> MeasureCrossSiloShareAsync(bool placed)
    {
        using var data = new TempDirectory();
        var stream = await emulators.CreateStreamAsync(shards: 4);
        var settings = emulators.WithSnapshots(emulators.SiloSettings(
            "app-" + stream, stream, data.Path,
            ("Kinesis:MaxRecordsPerFetch", "200"),
            ("Kinesis:PlacePartitionsNearShards", placed ? "true" : "false")), stream);
        using var local = new CounterListener("kgrains.stream.events_local");
        using var crossing = new CounterListener("kgrains.stream.events_cross_silo");
        using var moves = new CounterListener("kgrains.state.partition_moves");
        await using var cluster = await KinesisTestCluster.DeployAsync(emulators, settings, silos: 3, data.Path);

        // Shards spread (the first silo up takes them all, the others steal), partitions activate and, when placed,
        // follow their shards once those have settled.
        var truth = await emulators.ProduceAsync(stream, records: 1_000, keys: 200);
        await ClusterTests.WaitForTotalsAsync(cluster, truth, TimeSpan.FromSeconds(90), output);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (cluster.Cluster.Silos.Any(s => Held(cluster, s) == 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        await Task.Delay(TimeSpan.FromSeconds(8));
        truth = await emulators.ProduceAsync(stream, records: 500, keys: 200, seed: 8, truth: truth);
        await ClusterTests.WaitForTotalsAsync(cluster, truth, TimeSpan.FromSeconds(90), output);
        await Task.Delay(TimeSpan.FromSeconds(2));

        var (localBefore, crossingBefore) = (local.Count, crossing.Count);
        truth = await emulators.ProduceAsync(stream, records: 3_000, keys: 200, seed: 9, truth: truth);
        await ClusterTests.WaitForTotalsAsync(cluster, truth, TimeSpan.FromSeconds(90), output);
        var (localEvents, crossingEvents) = (local.Count - localBefore, crossing.Count - crossingBefore);
        var share = (double)crossingEvents / Math.Max(1, localEvents + crossingEvents);
        output.WriteLine(
            $"{(placed ? "near shards" : "default placement")}: shards held {string.Join("/", cluster.Cluster.Silos.Select(s => Held(cluster, s)))}, " +
            $"{localEvents} events local, {crossingEvents} crossing silos ({share:P1}), {moves.Count} partition moves");
        Assert.True(localEvents + crossingEvents >= 3_000, "every measured event must have been counted as local or crossing");
        return share;
    }

    private static int Held(KinesisTestCluster cluster, InProcessSiloHandle silo)
    {
        var source = cluster.SourceOf(silo);
        return source.Progress.Count(p => source.Holds(p.ShardId));
    }
}
