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

        using var recorder = new KinesisCallRecorder();
        var stopwatch = Stopwatch.StartNew();
        await using var silo = await LocalCluster.StartSiloAsync(settings, builder => builder.UseKinesisHttpHandler(recorder));
        await LocalCluster.WaitForCaughtUpAsync(silo, 2_000, TimeSpan.FromSeconds(120));

        await using var client = await LocalCluster.ConnectAsync(silo);
        Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
        Assert.True(proxy.FaultsInjected("GetRecords") >= 7, $"{proxy.FaultsInjected("GetRecords")} faults injected");
        Assert.True(proxy.Count("GetShardIterator") >= 2, "an expired iterator must be replaced with a new one");
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(1), "throttling must back off");

        // Kinesis counts failed calls too: retries, and the first call on a new iterator, keep MinFetchPeriod (200 ms).
        Assert.All(
            recorder.GapsBetween("GetRecords"),
            gap => Assert.True(gap >= TimeSpan.FromMilliseconds(190), $"GetRecords {gap.TotalMilliseconds} ms after the previous one"));
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
        await using var client = await LocalCluster.ConnectAsync(silo);
        Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
    }

    [Fact]
    public async Task Fetching_keeps_MinFetchPeriod_between_calls_and_MaxFetchRate_per_shard()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var truth = await cluster.ProduceAsync(stream, records: 2_000, keys: 20);
        using var recorder = new KinesisCallRecorder();
        var settings = cluster.SiloSettings(
            "app-" + stream, stream, data.Path,
            ("Kinesis:MaxRecordsPerFetch", "500"),
            ("Kinesis:MinFetchPeriod", "00:00:00.300"),
            ("Kinesis:MaxFetchRate", "0.1"));

        await using var silo = await LocalCluster.StartSiloAsync(settings, builder => builder.UseKinesisHttpHandler(recorder));
        await LocalCluster.WaitForCaughtUpAsync(silo, 2_000, TimeSpan.FromSeconds(120));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (recorder.SentAt("GetRecords").Count < 8 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        // Timed where the silo sends, not where a proxy receives: a busy test process delays a proxy's arrivals by
        // up to a second, which says nothing about the pacing.
        var calls = recorder.SentAt("GetRecords");
        Assert.True(calls.Count >= 8, $"{calls.Count} GetRecords calls");
        Assert.All(
            recorder.GapsBetween("GetRecords"),
            gap => Assert.True(gap >= TimeSpan.FromMilliseconds(290), $"GetRecords {gap.TotalMilliseconds} ms after the previous one"));

        // 2,000 records of ~170 bytes in pages of 500 at 0.1 MB/s: each full page holds the next call back ~0.85 s.
        var firstFourPages = calls[4] - calls[0];
        Assert.True(firstFourPages >= TimeSpan.FromSeconds(3.2), $"four pages took {firstFourPages}");
        await using var client = await LocalCluster.ConnectAsync(silo);
        Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
    }

    [Fact]
    public async Task Shards_sharing_a_fetch_worker_each_keep_MinFetchPeriod()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var truth = await cluster.ProduceAsync(stream, records: 12_000, keys: 40);
        using var recorder = new KinesisCallRecorder();
        var settings = cluster.SiloSettings(
            "app-" + stream, stream, data.Path,
            ("Kinesis:ShardsPerTask", "2"),
            ("Kinesis:MaxRecordsPerFetch", "2000"),
            ("Kinesis:MinFetchPeriod", "00:00:00.300"),
            ("Kinesis:MaxFetchRate", "2.0"));

        await using var silo = await LocalCluster.StartSiloAsync(settings, builder => builder.UseKinesisHttpHandler(recorder));
        await LocalCluster.WaitForCaughtUpAsync(silo, 12_000, TimeSpan.FromSeconds(120));

        // The keys need not split evenly: a shard may be caught up after two pages, and its polls go on after that.
        var shards = silo.Source.Progress.Select(p => p.ShardId).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (shards.Any(shard => recorder.SentAt("GetRecords", shard).Count < 4) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        // A shard's turn at the shared worker may come late; its next call must still wait a full period after this one.
        foreach (var shard in shards)
        {
            var calls = recorder.SentAt("GetRecords", shard).Count;
            Assert.True(calls >= 4, $"{shard}: {calls} GetRecords calls");
            Assert.All(
                recorder.GapsBetween("GetRecords", shard),
                gap => Assert.True(gap >= TimeSpan.FromMilliseconds(280), $"{shard}: GetRecords {gap.TotalMilliseconds} ms after the previous one"));
        }

        await using var client = await LocalCluster.ConnectAsync(silo);
        Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
    }
}
