using System.Diagnostics;
using KinesisGrains.Client;
using KinesisGrains.Testing;
using KinesisGrains.Testing.Faults;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>A silo reading through a proxy that throttles, fails and expires iterators (emulators never do).</summary>
public sealed class FaultToleranceTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task Throttles_server_errors_and_expired_iterators_cost_time_but_no_record()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var truth = await cluster.ProduceAsync(stream, records: 2_000, keys: 50);
        await using var proxy = await FaultInjectingProxy.StartAsync(cluster.KinesisEndpoint);
        proxy.Inject("GetRecords", Fault.Throttle, times: 1);
        proxy.Inject("GetRecords", Fault.InternalError, times: 2);
        proxy.Inject("GetRecords", Fault.ExpiredIterator, times: 1);
        proxy.Inject("GetRecords", Fault.EmptyServerError, times: 1);
        proxy.InjectEvery("GetRecords", 4, Fault.Throttle);
        var settings = cluster.SiloSettings(
            "app-" + stream, stream, data.Path,
            ("Kinesis:ServiceUrl", proxy.Endpoint.ToString()),
            ("Kinesis:MaxRecordsPerFetch", "200"),
            ("Kinesis:ThrottleBackoff", "00:00:00.500"));

        var stopwatch = Stopwatch.StartNew();
        await using var silo = await LocalCluster.StartSiloAsync(settings);
        await LocalCluster.WaitForCaughtUpAsync(silo, 2_000, TimeSpan.FromSeconds(120));

        using var client = new GrainClient(silo.HttpEndpoint);
        Assert.Empty(await truth.VerifyAsync(client, CancellationToken.None));
        Assert.True(proxy.FaultsInjected("GetRecords") >= 7, $"{proxy.FaultsInjected("GetRecords")} faults injected");
        Assert.True(proxy.Count("GetShardIterator") >= 2, "an expired iterator must be replaced with a new one");
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(1), "throttling must back off");
    }

    [Fact]
    public async Task The_default_back_off_after_a_throttle_is_five_seconds()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var truth = await cluster.ProduceAsync(stream, records: 100, keys: 5);
        await using var proxy = await FaultInjectingProxy.StartAsync(cluster.KinesisEndpoint);
        proxy.Inject("GetRecords", Fault.Throttle, times: 1);
        var settings = cluster.SiloSettings("app-" + stream, stream, data.Path, ("Kinesis:ServiceUrl", proxy.Endpoint.ToString()));

        await using var silo = await LocalCluster.StartSiloAsync(settings);
        var throttledAt = Stopwatch.StartNew();
        await LocalCluster.WaitForCaughtUpAsync(silo, 100);

        var getRecords = proxy.Log.Where(e => e.Operation == "GetRecords").ToList();
        Assert.Equal("Throttle", getRecords[0].Fault);
        Assert.True(getRecords[1].Time - getRecords[0].Time >= TimeSpan.FromSeconds(4.9), $"retried after {getRecords[1].Time - getRecords[0].Time}");
        using var client = new GrainClient(silo.HttpEndpoint);
        Assert.Empty(await truth.VerifyAsync(client, CancellationToken.None));
    }

    [Fact]
    public async Task Fetching_keeps_MinFetchPeriod_between_calls_and_MaxFetchRate_per_shard()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var truth = await cluster.ProduceAsync(stream, records: 2_000, keys: 20);
        await using var proxy = await FaultInjectingProxy.StartAsync(cluster.KinesisEndpoint);
        var settings = cluster.SiloSettings(
            "app-" + stream, stream, data.Path,
            ("Kinesis:ServiceUrl", proxy.Endpoint.ToString()),
            ("Kinesis:MaxRecordsPerFetch", "500"),
            ("Kinesis:MinFetchPeriod", "00:00:01"),
            ("Kinesis:MaxFetchRate", "0.05"));

        await using var silo = await LocalCluster.StartSiloAsync(settings);
        await LocalCluster.WaitForCaughtUpAsync(silo, 2_000, TimeSpan.FromSeconds(120));

        // The proxy sees arrivals, which its own scheduling can delay by a few hundred milliseconds on a busy machine
        // (seen: 188 ms); so the period is long next to that, and the mean spacing carries the exact bound.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (proxy.Count("GetRecords") < 6 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var calls = proxy.Log.Where(e => e.Operation == "GetRecords").ToList();
        Assert.True(calls.Count >= 6, $"{calls.Count} GetRecords calls");
        Assert.All(
            calls.Zip(calls.Skip(1)),
            pair => Assert.True(
                pair.Second.Time - pair.First.Time >= TimeSpan.FromMilliseconds(650),
                $"GetRecords {(pair.Second.Time - pair.First.Time).TotalMilliseconds} ms after the previous one ({pair.First} then {pair.Second})"));
        var meanGap = (calls[^1].Time - calls[0].Time) / (calls.Count - 1);
        Assert.True(meanGap >= TimeSpan.FromMilliseconds(950), $"GetRecords every {meanGap.TotalMilliseconds} ms on average");

        // 2,000 records of ~170 bytes in pages of 500 at 0.05 MB/s: each full page holds the next call back ~1.7 s,
        // longer than MinFetchPeriod.
        var firstFourPages = calls[4].Time - calls[0].Time;
        Assert.True(firstFourPages >= TimeSpan.FromSeconds(5.5), $"four pages took {firstFourPages}");
        using var client = new GrainClient(silo.HttpEndpoint);
        Assert.Empty(await truth.VerifyAsync(client, CancellationToken.None));
    }
}
