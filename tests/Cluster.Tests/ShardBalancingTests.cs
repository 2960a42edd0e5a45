using System.Diagnostics;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.DynamoDB;
using KinesisGrains.Streaming.Kinesis;
using KinesisGrains.Testing.Faults;
using KinesisGrains.Testing;
using Orleans.TestingHost;
using Xunit.Abstractions;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>
/// The queue balancer over the KCL lease table, in TestingHost clusters on kinesalite, dynalite and s3rver: a silo
/// that joins steals its fair share, a silo that stops hands its shards over at once, and the shards of a silo Orleans
/// declares dead move without waiting for their leases to expire; every total stays exact.
/// </summary>
[Collection(nameof(MeteredClusterCollection))]
public sealed class ShardBalancingTests(LocalCluster emulators, ITestOutputHelper output) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task A_joining_silo_steals_its_fair_share_its_partitions_follow_and_every_total_stays_exact()
    {
        using var data = new TempDirectory();
        var stream = await emulators.CreateStreamAsync(shards: 4);
        var settings = emulators.WithSnapshots(emulators.SiloSettings("app-" + stream, stream, data.Path, ("Kinesis:MaxRecordsPerFetch", "200")), stream);
        using var local = new CounterListener("kgrains.stream.events_local");
        using var crossing = new CounterListener("kgrains.stream.events_cross_silo");
        using var moves = new CounterListener("kgrains.state.partition_moves");
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

        // The partitions of the stolen shards activated on the first silo; once those shards have settled on the
        // second, they move there at a checkpoint barrier, handing their state over: totals stay exact.
        await Task.Delay(TimeSpan.FromSeconds(6));
        truth = await emulators.ProduceAsync(stream, records: 500, keys: 200, seed: 9, truth: truth);
        await ClusterTests.WaitForTotalsAsync(cluster, truth, TimeSpan.FromSeconds(120), output);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var (localBefore, crossingBefore) = (local.Count, crossing.Count);
        truth = await emulators.ProduceAsync(stream, records: 2_000, keys: 200, seed: 10, truth: truth);
        await ClusterTests.WaitForTotalsAsync(cluster, truth, TimeSpan.FromSeconds(120), output);
        var (localEvents, crossingEvents) = (local.Count - localBefore, crossing.Count - crossingBefore);
        output.WriteLine($"{moves.Count} partition moves; afterwards {localEvents} events local, {crossingEvents} crossing silos");
        Assert.True(moves.Count >= 1, "partitions of the stolen shards must follow them");
        Assert.True(crossingEvents * 10 < localEvents, $"{crossingEvents} events crossed silos, {localEvents} stayed local");
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

        using var trickle = new CancellationTokenSource();
        var producing = ProduceUntilAsync(stream, truth, trickle.Token);
        await Task.Delay(1_000);
        var handOff = await MeasureHandOffAsync(cluster, staying, stopping, () => cluster.Cluster.StopSiloAsync(stopping));
        await trickle.CancelAsync();
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
        await using var dynamo = await FaultInjectingProxy.StartAsync(emulators.Emulators.DynamoDB);
        var settings = emulators.WithSnapshots(emulators.SiloSettings(
            "app-" + stream, stream, data.Path, ("Kinesis:MaxRecordsPerFetch", "200"), ("Kinesis:LeaseFailoverTime", "00:01:00")), stream);
        await using var cluster = await KinesisTestCluster.DeployAsync(
            emulators, settings, silos: 2, data.Path,
            (name, own) => own["DynamoDB:ServiceUrl"] = name == "Silo_1" ? dynamo.Endpoint.ToString() : own["DynamoDB:ServiceUrl"]);
        var (staying, doomed) = (cluster.SiloNamed("Silo_0"), cluster.SiloNamed("Silo_1"));
        var truth = await emulators.ProduceAsync(stream, records: 1_000, keys: 200);
        await WaitUntilAsync(() => Held(cluster, staying).Count == 2 && Held(cluster, doomed).Count == 2, TimeSpan.FromSeconds(60), "2 + 2 shards");

        using var trickle = new CancellationTokenSource();
        var producing = ProduceUntilAsync(stream, truth, trickle.Token);
        await Task.Delay(1_000);
        var failover = await MeasureHandOffAsync(cluster, staying, doomed, () =>
        {
            dynamo.InjectEvery(FaultInjectingProxy.AnyOperation, 1, Fault.Disconnect);
            return cluster.Cluster.KillSiloAsync(doomed);
        });
        await trickle.CancelAsync();
        truth = await producing;
        await ClusterTests.WaitForTotalsAsync(cluster, truth, TimeSpan.FromSeconds(120), output);
        Assert.Equal(4, Held(cluster, staying).Count);
        Assert.True(failover.Taken < TimeSpan.FromSeconds(45), $"failover took {failover.Taken}: the leases were not freed by the death declaration");
    }

    [Fact]
    public async Task A_released_lease_has_no_owner_attribute_a_bumped_counter_and_only_its_owner_can_release_it()
    {
        using var dynamo = DynamoDBClientFactory.Create(new DynamoDBOptions
        {
            ServiceUrl = emulators.Emulators.DynamoDB, AccessKeyId = "local", SecretAccessKey = "local",
        });
        var table = new Streaming.Kinesis.Leasing.ShardLeaseTable(dynamo, "app-" + Guid.NewGuid().ToString("N")[..10]);
        await table.EnsureCreatedAsync(CancellationToken.None);
        await table.CreateIfNotExistsAsync("shardId-000000000000", "TRIM_HORIZON", [], CancellationToken.None);
        var taken = await table.TakeAsync((await table.GetAsync("shardId-000000000000", CancellationToken.None))!, "silo-a", CancellationToken.None);

        await Assert.ThrowsAsync<Streaming.Kinesis.Leasing.LeaseLostException>(() => table.ReleaseAsync("shardId-000000000000", "silo-b", CancellationToken.None));
        await table.ReleaseAsync("shardId-000000000000", "silo-a", CancellationToken.None);

        var released = await table.GetAsync("shardId-000000000000", CancellationToken.None);
        Assert.Null(released!.LeaseOwner);
        Assert.Equal(taken.LeaseCounter + 1, released.LeaseCounter);
        var item = await dynamo.GetItemAsync(table.TableName, new() { ["leaseKey"] = new() { S = "shardId-000000000000" } });
        Assert.False(item.Item.ContainsKey("leaseOwner"), "the KCL writes no empty owner: the attribute is removed");
        Assert.NotNull(await table.TakeAsync(released, "silo-b", CancellationToken.None));
    }

    /// <summary>
    /// 4,000 records, then a trickle until <paramref name="stop"/>: the shards that change hands always get records
    /// after the hand-off to read (on a quiet machine the 4,000 alone may all be checkpointed before it).
    /// </summary>
    private async Task<GroundTruth> ProduceUntilAsync(string stream, GroundTruth truth, CancellationToken stop)
    {
        truth = await emulators.ProduceAsync(stream, records: 4_000, keys: 200, seed: 8, truth: truth, concurrency: 1);
        for (var seed = 9; !stop.IsCancellationRequested; seed++)
        {
            truth = await emulators.ProduceAsync(stream, records: 100, keys: 200, seed: seed, truth: truth, concurrency: 1);
            await Task.Delay(100, CancellationToken.None);
        }

        return truth;
    }

    /// <summary>
    /// Runs <paramref name="leave"/> and times, for the shards the leaving silo held, when <paramref name="staying"/>
    /// holds the last of them and when it has read records from every one of them.
    /// </summary>
    private async Task<(TimeSpan Taken, TimeSpan Read, int Released)> MeasureHandOffAsync(
        KinesisTestCluster cluster, InProcessSiloHandle staying, InProcessSiloHandle leavingSilo, Func<Task> leave)
    {
        var shards = Held(cluster, leavingSilo);
        var leavingSource = cluster.SourceOf(leavingSilo);
        TimeSpan? stopping = null;
        var source = cluster.SourceOf(staying);
        var readBefore = shards.ToDictionary(s => s, s => source.ProgressOf(s).Snapshot.RecordsRead);
        var taken = new Dictionary<string, TimeSpan>();
        var released = new Dictionary<string, TimeSpan>();
        var read = new Dictionary<string, TimeSpan>();
        var clock = Stopwatch.StartNew();
        var leaving = Task.Run(leave);
        while (read.Count < shards.Count && clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (stopping is null && leavingSource.Stopping)
            {
                stopping = clock.Elapsed;
            }

            // A released lease (no owner) shows in the table until the staying silo's next pass takes it.
            foreach (var lease in await source.Leases.ListAsync(CancellationToken.None))
            {
                if (shards.Contains(lease.LeaseKey) && lease.LeaseOwner is null)
                {
                    released.TryAdd(lease.LeaseKey, clock.Elapsed);
                }
            }

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
            var release = released.TryGetValue(shard, out var at) ? $"released {at.TotalMilliseconds:F0} ms, " : "";
            output.WriteLine($"{shard}: {release}lease taken {taken[shard].TotalMilliseconds:F0} ms, first records read {read[shard].TotalMilliseconds:F0} ms after the silo began to leave");
        }

        output.WriteLine($"the leaving silo's provider saw the silo stopping after {stopping?.TotalMilliseconds.ToString("F0") ?? "-"} ms");
        output.WriteLine($"the leaving silo's stop/kill call returned after {left.TotalMilliseconds:F0} ms");
        return (taken.Values.Max(), read.Values.Max(), released.Count);
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
