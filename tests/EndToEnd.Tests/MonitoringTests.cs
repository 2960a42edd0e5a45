using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Diagnostics;
using KinesisGrains.Streaming.Kinesis.Monitoring;
using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Abstractions.Serialization;
using KinesisGrains.Silo.Hosting;
using KinesisGrains.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>Progress records, listeners, observed metrics and the streaming meter on a real silo over kinesalite.</summary>
public sealed class MonitoringTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Progress_records_and_observed_metrics_count_every_record_exactly_while_a_failing_listener_changes_nothing()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var collecting = new CollectingListener();
        var throwing = new ThrowingListener();
        await using var silo = await LocalCluster.StartSiloAsync(
            cluster.SiloSettings("app-" + stream, stream, data.Path),
            silo => silo
                .AddStreamingQueryListener(_ => throwing)       // first: its exceptions must not keep the others from hearing
                .AddStreamingQueryListener(_ => collecting)
                .AddStreamingQueryListener<ErrorRatioAlertListener>()
                .Observe<ClickEvent>("rc", o => o.Count())
                .Observe<ClickEvent>("erc", o => o.CountWhere(e => e.Type == "error"))
                .Observe<ClickEvent>("dl", o => o.DeadLetters())
                .Observe<ClickEvent>("bytes", o => o.Sum(e => e.UserId == "overflow" ? 0 : e.Bytes))
                .Observe<ClickEvent>("maxBytes", o => o.Max(e => e.Bytes))
                .Observe<ClickEvent>("minBytes", o => o.Min(e => e.Bytes)));
        var alerts = new ConcurrentQueue<ErrorRatioAlert>();
        silo.Services.GetRequiredService<ErrorRatioAlertListener>().Alerted += (_, alert) => alerts.Enqueue(alert);

        // 400 valid events (40 of them errors: 10 %), 25 records that do not decode, and one event whose logic throws
        // (an overflow of the user's byte total): the partition dead-letters it.
        const int valid = 400, errors = 40, undecodable = 25, overflowing = 1;
        var entries = new List<PutRecordsRequestEntry>();
        long bytes = 0, maxBytes = 0, minBytes = long.MaxValue;
        for (var i = 0; i < valid - 2; i++)
        {
            var click = new ClickEvent($"user-{i % 37:D3}", i % 10 == 0 ? "error" : "view", 100 + i, DateTimeOffset.Parse("2026-11-29T10:00:00Z").AddSeconds(i));
            entries.Add(new(StateSerializer.Serialize(click), click.UserId));
            (bytes, maxBytes, minBytes) = (bytes + click.Bytes, Math.Max(maxBytes, click.Bytes), Math.Min(minBytes, click.Bytes));
        }

        for (var i = 0; i < undecodable; i++)
        {
            entries.Insert(i * 13, new(Encoding.UTF8.GetBytes("{not json " + i), $"bad-{i}"));
        }

        // The overflow's huge value stays out of the sum (a double sum with it would depend on the order of additions).
        foreach (var click in new[] { new ClickEvent("overflow", "view", long.MaxValue - 10, DateTimeOffset.UnixEpoch), new ClickEvent("overflow", "view", 1000, DateTimeOffset.UnixEpoch) })
        {
            entries.Add(new(StateSerializer.Serialize(click), click.UserId));
            (maxBytes, minBytes) = (Math.Max(maxBytes, click.Bytes), Math.Min(minBytes, click.Bytes));
        }

        foreach (var chunk in entries.Chunk(100))
        {
            await cluster.Kinesis.PutRecordsAsync(stream, chunk);
        }

        const int records = valid + undecodable;
        await LocalCluster.WaitForCaughtUpAsync(silo, records);
        // What a partition did (events applied, the overflow's dead letter) is reported with the barrier after its
        // batch: a later progress record, on a busy machine a few later.
        var progress = await WaitForAsync(
            () => collecting.Progress,
            p => p.Sum(r => r.NumProcessedRecords) >= records && p.Sum(r => r.NumInputRecords) >= records && p.Sum(r => r.DeadLetters) >= undecodable + overflowing
                && p.SelectMany(r => r.StateOperators).Sum(s => s.EventsApplied) >= valid - overflowing);

        Assert.Equal(records, progress.Sum(p => p.NumInputRecords));
        Assert.Equal(records, progress.Sum(p => p.NumProcessedRecords));
        Assert.Equal(records, progress.SelectMany(p => p.Sources).Sum(s => s.Records));
        Assert.Equal(undecodable + overflowing, progress.Sum(p => p.DeadLetters));
        Assert.Equal(valid, Observed(progress, "rc"));
        Assert.Equal(errors, Observed(progress, "erc"));
        Assert.Equal(undecodable, Observed(progress, "dl"));
        Assert.Equal(bytes, Observed(progress, "bytes"));
        Assert.Equal(maxBytes, progress.Max(p => p.ObservedMetrics["maxBytes"] ?? double.MinValue));
        Assert.Equal(minBytes, progress.Min(p => p.ObservedMetrics["minBytes"] ?? double.MaxValue));
        var state = Assert.Single(progress.SelectMany(p => p.StateOperators).GroupBy(s => s.OperatorName));
        Assert.Equal("user-activity", state.Key);
        Assert.Equal(valid - overflowing, state.Sum(s => s.EventsApplied));
        Assert.Equal(overflowing, state.Sum(s => s.DeadLetters));
        Assert.All(state, s => Assert.Equal(8, s.NumPartitions));
        Assert.True(progress[^1].StateOperators[0].KeysTotal > 0);

        // Ids and batch ids: one query, one run, batches 0, 1, 2 ... in order; sources name the stream's shards.
        Assert.Equal(Enumerable.Range(0, progress.Count).Select(i => (long)i), progress.Select(p => p.BatchId));
        Assert.Single(progress.Select(p => (p.Id, p.RunId)).Distinct());
        Assert.Equal(StreamingProgressTracker.QueryIdOf("app-" + stream, stream), progress[0].Id);
        Assert.Equal(2, progress.SelectMany(p => p.Sources).Select(s => s.ShardId).Distinct().Count());
        Assert.IsType<QueryStartedEvent>(collecting.Events.First());
        Assert.All(progress, p => Assert.True(p.DurationMs.ContainsKey("snapshot") && p.DurationMs.ContainsKey("fetch")));

        // The failing listener was called for every event and the alert fired (10 % errors > 5 %).
        Assert.True(throwing.Calls >= progress.Count + 1, $"{throwing.Calls} calls");
        Assert.NotEmpty(alerts);
        Assert.All(alerts, a => Assert.True(a.Ratio > 0.05));

        // The same records over HTTP.
        using var http = new HttpClient { BaseAddress = silo.HttpEndpoint };
        using var recent = JsonDocument.Parse(await http.GetStringAsync("/progress"));
        var served = recent.RootElement.EnumerateArray().ToList();
        Assert.Equal(progress.Count, served.Count);
        Assert.Equal(records, served.Sum(p => p.GetProperty("numInputRecords").GetInt64()));
        Assert.Equal(errors, served.Sum(p => p.GetProperty("observedMetrics").GetProperty("erc").GetDouble()));
        Assert.All(served, p => Assert.Equal(1, p.GetProperty("version").GetInt32()));
        using var last = JsonDocument.Parse(await http.GetStringAsync("/progress/last"));
        Assert.Equal(progress[^1].BatchId, last.RootElement.GetProperty("batchId").GetInt64());
        Assert.True(last.RootElement.GetProperty("sources")[0].TryGetProperty("shardId", out _));

        await silo.DisposeAsync();
        Assert.IsType<QueryTerminatedEvent>(collecting.Events.Last());
    }

    [Fact]
    public async Task Metrics_level_NONE_records_nothing_while_progress_records_go_on()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var ours = new ConcurrentQueue<string>();
        using var meters = ListenTo(stream, ours);
        await using var silo = await LocalCluster.StartSiloAsync(cluster.SiloSettings("app-" + stream, stream, data.Path, ("Metrics:Level", "NONE")));

        await cluster.ProduceAsync(stream, records: 50, keys: 5);
        await LocalCluster.WaitForCaughtUpAsync(silo, 50);
        await WaitForAsync(() => silo.Source.Monitor.Recent.ToList(), p => p.Sum(r => r.NumProcessedRecords) >= 50);

        Assert.Empty(ours);
    }

    [Fact]
    public async Task The_Prometheus_endpoint_serves_our_meters_per_shard_at_DETAILED()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var ours = new ConcurrentQueue<string>();
        using var meters = ListenTo(stream, ours);
        await using var silo = await LocalCluster.StartSiloAsync(
            cluster.SiloSettings("app-" + stream, stream, data.Path, ("Metrics:Level", "DETAILED"), ("Metrics:Exporter", "prometheus")));

        await cluster.ProduceAsync(stream, records: 50, keys: 5);
        await LocalCluster.WaitForCaughtUpAsync(silo, 50);
        await WaitForAsync(() => silo.Source.Monitor.Recent.ToList(), p => p.Sum(r => r.NumProcessedRecords) >= 50);

        using var http = new HttpClient { BaseAddress = silo.HttpEndpoint };
        var text = await http.GetStringAsync("/metrics");
        Assert.Contains("kgrains_source_records", text);
        Assert.Contains("kgrains_state_keys", text);
        Assert.Contains("kgrains_commit_cycles", text);
        Assert.Contains("kgrains_kinesis_records_fetched", text);
        Assert.Contains($"stream=\"{stream}\"", text);
        Assert.Contains("shard=\"shardId-000000000000\"", text);
        Assert.Contains("kgrains.source.records", ours);
    }

    [Fact]
    public async Task An_OTLP_exporter_whose_collector_is_down_stops_nothing()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var collector = $"http://127.0.0.1:{ProcessRunner.FreePort()}";
        await using var silo = await LocalCluster.StartSiloAsync(cluster.SiloSettings(
            "app-" + stream, stream, data.Path, ("Metrics:Exporter", "otlp"), ("Metrics:OtlpEndpoint", collector), ("Metrics:OtlpExportInterval", "00:00:01")));

        await cluster.ProduceAsync(stream, records: 50, keys: 5);
        await LocalCluster.WaitForCaughtUpAsync(silo, 50);
        await Task.Delay(TimeSpan.FromSeconds(2));   // at least one export attempt

        var progress = await WaitForAsync(() => silo.Source.Monitor.Recent.ToList(), p => p.Sum(r => r.NumProcessedRecords) >= 50);
        Assert.Equal(50, progress.Sum(p => p.NumInputRecords));
        using var http = new HttpClient { BaseAddress = silo.HttpEndpoint };
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Without_an_exporter_there_is_no_metrics_endpoint()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        await using var silo = await LocalCluster.StartSiloAsync(cluster.SiloSettings("app-" + stream, stream, data.Path));
        using var http = new HttpClient { BaseAddress = silo.HttpEndpoint };

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.GetAsync("/progress/last")).StatusCode);
    }

    [Fact]
    public void Metrics_settings_are_bound_strictly_and_validated()
    {
        var good = SiloHost.BindAndValidate(Configuration(("Metrics:Level", "detailed"), ("Metrics:EnabledDimensions", "stream, shard"), ("Metrics:Exporter", "otlp"), ("Metrics:OtlpEndpoint", "http://127.0.0.1:4317")));
        Assert.Equal(MetricsLevel.Detailed, good.Metrics.Level);
        Assert.Equal(MetricDimensions.Stream | MetricDimensions.Shard, good.Metrics.EnabledDimensions);

        var error = Assert.Throws<SiloStartupException>(() => SiloHost.BindAndValidate(Configuration(
            ("Metrics:Level", "LOUD"), ("Metrics:EnabledDimensions", "stream,region"), ("Metrics:RetainedProgress", "0"), ("Metrics:Exporter", "statsd"), ("Metrics:Levle", "NONE"))));
        Assert.Contains("Metrics:Level: 'LOUD' is not a MetricsLevel (one of None, Summary, Detailed)", error.Message);
        Assert.Contains("Metrics:EnabledDimensions: 'stream,region' is not a MetricDimensions", error.Message);
        Assert.Contains("Metrics:RetainedProgress must be between 1 and 100000", error.Message);
        Assert.Contains("Metrics:Exporter: 'statsd' is not a MetricsExporter", error.Message);
        Assert.Contains("Metrics:Levle is not a known setting; did you mean Metrics:Level?", error.Message);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?> { ["Silo:ApplicationName"] = "app-config", ["Kinesis:StreamName"] = "s" };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }

    private static double Observed(IEnumerable<StreamingQueryProgress> progress, string name) => progress.Sum(p => p.ObservedMetrics[name] ?? 0);

    /// <summary>Names of the streaming meter's instruments measured with this stream's tag (other tests' silos share the process).</summary>
    private static MeterListener ListenTo(string stream, ConcurrentQueue<string> into)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, meters) =>
            {
                if (instrument.Meter.Name == StreamingKinesisMetrics.MeterName)
                {
                    meters.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Note<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "stream" && Equals(tag.Value, stream))
                {
                    into.Enqueue(instrument.Name);
                }
            }
        }

        listener.SetMeasurementEventCallback<long>(Note);
        listener.SetMeasurementEventCallback<double>(Note);
        listener.Start();
        return listener;
    }

    private static async Task<IReadOnlyList<T>> WaitForAsync<T>(Func<IReadOnlyList<T>> read, Func<IReadOnlyList<T>, bool> done)
    {
        var deadline = DateTime.UtcNow + s_wait;
        while (true)
        {
            var value = read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not reached in {s_wait}: {value.Count} items");
            }

            await Task.Delay(100);
        }
    }
}
