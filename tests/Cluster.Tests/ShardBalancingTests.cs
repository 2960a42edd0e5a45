using System.Diagnostics;
using KinesisGrains.Kinesis.Streaming;
using KinesisGrains.Testing;
using KinesisGrains.Testing.Faults;
using Orleans.TestingHost;
using Xunit;
using Xunit.Abstractions;

namespace KinesisGrains.Tests;

/// <summary>
/// The queue balancer over the KCL lease table, in TestingHost clusters on kinesalite, dynalite and s3rver: a silo
/// that joins steals its fair share, a silo that stops hands its shards over at once, and the shards of a silo Orleans
/// declares dead move without waiting for their leases to expire; every total stays exact.
/// </summary>
public sealed class ShardBalancingTests(LocalCluster emulators, ITestOutputHelper output) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task A_joining_silo_steals_its_fair_share_and_every_total_stays_exact()
    {
        using var data = new TempDirectory();
        var stream = await emulators.CreateStreamAsync(shards: 4);
        var settings = emulators.WithSnapshots(emulators.SiloSettings("app-" + stream, stream, data.Path, ("Kinesis:MaxRecordsPerFetch", "200")), stream);
        await using var cluster = await KinesisTestCluster.DeployAsync(emulators, settings, silos: 1, data.Path);
        var first = cluster.Cluster.Silos[0];
        var truth = await emulators.ProduceAsync(stream, records: 1_000, keys: 200);
        await WaitUntilAsync(() => Held(cluster, first).Count == 4, TimeSpan.FromSeconds(60), "the only silo holds all 4 shards");

        // Records keep coming while a second silo joins: nothing is free, so it steals one lease per pass.
        var producing = emulators.ProduceAsync(stream, records: 3_000, keys: 200, seed: 8, truth: truth, concurrency: 1);
        var joined = Stopwatch.StartNew();
        var second = await cluster.Cluster.StartAdditionalSiloAsync();
        var started = joined.Elapsed;
        await WaitUntilAsync(() => Held(cluster, first).Count == 2 && Held(cluster, second).Count == 2, TimeSpan.FromSeconds(60), "each silo holds 2 shards");
        output.WriteLine($"second silo started in {started.TotalSeconds:F2} s; 2 + 2 shards {joined.Elapsed.TotalSeconds:F2} s after it was asked to start");

        truth = await producing;
        await ClusterTests.WaitForTotalsAsync(cluster, truth, TimeSpan.FromSeconds(120), output);
        Assert.Equal(2, Held(cluster, first).Count);
        Assert.Equal(2, Held(cluster, second).Count);
    }

    [Fact]
    public async Task A_silo_that_stops_releases_its_leases_and_the_other_continues_at_once()
    {
        using var data = new TempDirectory();
        var stream = await emulators.CreateStreamAsync(shards: 4);

        // Leases expire only after a minute: a hand-off faster than that is the release's doing.
        var settings = emulators.WithSnapshots(emulators.SiloSettings(
            "app-" + stream, stream, data.Path, ("Kinesis:MaxRecordsPerFetch", "200"), ("Kinesis:LeaseFailoverTime", "00:01:00")), stream);
        await using var cluster = await KinesisTestCluster.DeployAsync(emulators, settings, silos: 2, data.Path);
        var (staying, stopping) = (cluster.SiloNamed("Silo_0"), cluster.SiloNamed("Silo_1"));
        var truth = await emulators.ProduceAsync(stream, records: 1_000, keys: 200);
        await WaitUntilAsync(() => Held(cluster, staying).Count == 2 && Held(cluster, stopping).Count == 2, TimeSpan.FromSeconds(60), "2 + 2 shards");

        var producing = emulators.ProduceAsync(stream, records: 4_000, keys: 200, seed: 8, truth: truth, concurrency: 1);
        await Task.Delay(1_000);
        var handOff = await MeasureHandOffAsync(cluster, staying, Held(cluster, stopping), () => cluster.Cluster.StopSiloAsync(stopping));
        truth = await producing;
        await ClusterTests.WaitForTotalsAsync(cluster, truth, TimeSpan.FromSeconds(120), output);
        Assert.Equal(4, Held(cluster, staying).Count);
        Assert.True(handOff.Read < TimeSpan.FromSeconds(30), $"hand-off took {handOff.Read}");
    }

    [Fact]
    public async Task The_shards_of_a_silo_orleans_declares_dead_move_before_its_leases_expire()
    {
        using var data = new TempDirectory();
        var stream = await emulators.CreateStreamAsync(shards: 4);

        // The doomed silo reaches DynamoDB through a proxy the test cuts before the kill: it can neither renew nor
        // release its leases (as after a crash), and they would expire only after a minute.
        await using var dynamo = await FaultInjectingProxy.StartAsync(emulators.Emulators.DynamoDb);
        var settings = emulators.WithSnapshots(emulators.SiloSettings(
            "app-" + stream, stream, data.Path, ("Kinesis:MaxRecordsPerFetch", "200"), ("Kinesis:LeaseFailoverTime", "00:01:00")), stream);
        await using var cluster = await KinesisTestCluster.DeployAsync(
            emulators, settings, silos: 2, data.Path,
            (name, own) => own["DynamoDb:ServiceUrl"] = name == "Silo_1" ? dynamo.Endpoint.ToString() : own["DynamoDb:ServiceUrl"]);
        var (staying, doomed) = (cluster.SiloNamed("Silo_0"), cluster.SiloNamed("Silo_1"));
        var truth = await emulators.ProduceAsync(stream, records: 1_000, keys: 200);
        await WaitUntilAsync(() => Held(cluster, staying).Count == 2 && Held(cluster, doomed).Count == 2, TimeSpan.FromSeconds(60), "2 + 2 shards");

        var producing = emulators.ProduceAsync(stream, records: 4_000, keys: 200, seed: 8, truth: truth, concurrency: 1);
        await Task.Delay(1_000);
        var failover = await MeasureHandOffAsync(cluster, staying, Held(cluster, doomed), () =>
        {
            dynamo.InjectEvery(FaultInjectingProxy.AnyOperation, 1, Fault.Disconnect);
            return cluster.Cluster.KillSiloAsync(doomed);
        });
        truth = await producing;
        await ClusterTests.WaitForTotalsAsync(cluster, truth, TimeSpan.FromSeconds(120), output);
        Assert.Equal(4, Held(cluster, staying).Count);
        Assert.True(failover.Taken < TimeSpan.FromSeconds(45), $"failover took {failover.Taken}: the leases were not freed by the death declaration");
    }

    /// <summary>
    /// Runs <paramref name="leave"/> and times, for the shards the leaving silo held, when <paramref name="staying"/>
    /// holds the last of them and when it has read records from every one of them.
    /// </summary>
    private async Task<(TimeSpan Taken, TimeSpan Read)> MeasureHandOffAsync(
        KinesisTestCluster cluster, InProcessSiloHandle staying, IReadOnlyCollection<string> shards, Func<Task> leave)
    {
        var source = cluster.SourceOf(staying);
        var readBefore = shards.ToDictionary(s => s, s => source.ProgressOf(s).Snapshot.RecordsRead);
        var taken = new Dictionary<string, TimeSpan>();
        var read = new Dictionary<string, TimeSpan>();
        var clock = Stopwatch.StartNew();
        var leaving = Task.Run(leave);
        while (read.Count < shards.Count && clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            foreach (var shard in shards)
            {
                if (!taken.ContainsKey(shard) && source.Holds(shard))
                {
                    taken[shard] = clock.Elapsed;
                }

                if (!read.ContainsKey(shard) && source.ProgressOf(shard).Snapshot.RecordsRead > readBefore[shard])
                {
                    read[shard] = clock.Elapsed;
                }
            }

            await Task.Delay(10);
        }

        await leaving;
        var left = clock.Elapsed;
        Assert.True(read.Count == shards.Count, $"the staying silo read {read.Count} of the {shards.Count} shards it should have taken over");
        foreach (var shard in shards)
        {
            output.WriteLine($"{shard}: lease taken {taken[shard].TotalMilliseconds:F0} ms, first records read {read[shard].TotalMilliseconds:F0} ms after the silo began to leave");
        }

        output.WriteLine($"the leaving silo's stop/kill call returned after {left.TotalMilliseconds:F0} ms");
        return (taken.Values.Max(), read.Values.Max());
    }

    private static IReadOnlyCollection<string> Held(KinesisTestCluster cluster, InProcessSiloHandle silo)
    {
        var source = cluster.SourceOf(silo);
        return source.Progress.Select(p => p.ShardId).Where(source.Holds).ToList();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(50);
        }
    }
}
