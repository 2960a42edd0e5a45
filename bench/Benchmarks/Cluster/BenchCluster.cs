using System.Text.Json;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.MultiProcess;

namespace KinesisGrains.Benchmarks.Cluster;

/// <summary>
/// Silo processes (the Release Silo.dll) on one stream of the shared emulators: one Orleans cluster on DynamoDB
/// membership, one application, snapshots in one bucket; otherwise the silo's defaults (failure detection tuned).
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private readonly string _data;
    private readonly Dictionary<string, string> _settings;

    public BenchCluster(LocalEmulators emulators, string stream, int silos, string logDirectory, params (string Key, string Value)[] extra)
    {
        Stream = stream;
        _data = Path.Combine(Path.GetTempPath(), "kgrains-bench-cluster-" + stream);
        var siloAssembly = Path.Combine(RepositoryRoot.Path, "Silo", "bin", "Release", "net10.0", "KinesisGrains.Silo.dll");
        Silos = [.. Enumerable.Range(1, silos).Select(i => new SiloProcess($"{stream}-silo-{i}", siloAssembly, Path.Combine(_data, $"silo-{i}"), logDirectory))];
        _settings = ClusterSiloSettings.For(stream, emulators.Kinesis, emulators.DynamoDB, emulators.S3);
        foreach (var (key, value) in extra)
        {
            _settings[key] = value;
        }
    }

    public string Stream { get; }

    public IReadOnlyList<SiloProcess> Silos { get; }


    public static async Task CreateStreamAsync(KinesisClient kinesis, string stream, int shards)
    {
        await kinesis.CreateStreamAsync(stream, shards);
        await kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(60));
    }

    public Task StartAsync(SiloProcess silo) => silo.StartAsync(_settings, TimeSpan.FromSeconds(120));

    public Task StartAllAsync() => Task.WhenAll(Silos.Select(StartAsync));

    /// <summary>The shards a running silo's /status lists (every shard it read since it started, in any state).</summary>
    public static async Task<IReadOnlyList<ShardView>> ShardsAsync(SiloProcess silo)
    {
        if (!silo.IsRunning || await silo.StatusAsync() is not { } status)
        {
            return [];
        }

        return [.. status.GetProperty("shards").EnumerateArray().Select(ShardView.From)];
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Silos.Reverse().Select(s => s.StopAsync(TimeSpan.FromSeconds(30))));
        foreach (var silo in Silos)
        {
            silo.Dispose();
        }

        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>One shard in a silo's /status.</summary>
internal sealed record ShardView(string ShardId, bool Reading, long RecordsRead, bool CaughtUp, DateTimeOffset? ReadingSince, DateTimeOffset? FirstDeliveredAt, DateTimeOffset? LastDeliveredAt)
{
    // ShardReceiverState.Reading, serialized as a number.
    private const int ReadingState = 2;

    public static ShardView From(JsonElement shard) => new(
        shard.GetProperty("shardId").GetString()!,
        shard.GetProperty("state") is { ValueKind: JsonValueKind.Number } state ? state.GetInt32() == ReadingState : shard.GetProperty("state").GetString() == "Reading",
        shard.GetProperty("recordsRead").GetInt64(),
        shard.GetProperty("caughtUp").GetBoolean(),
        Time(shard, "readingSince"),
        Time(shard, "firstDeliveredAt"),
        Time(shard, "lastDeliveredAt"));

    private static DateTimeOffset? Time(JsonElement shard, string name) =>
        shard.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetDateTimeOffset() : null;
}
