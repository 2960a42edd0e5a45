using KinesisGrains.Client;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Testing;
using KinesisGrains.Testing.Faults;

namespace KinesisGrains.MultiProcess;

/// <summary>
/// kinesis-local, dynalite and s3rver on free ports of 127.0.0.1, one stream, and silo processes sharing an S3 bucket
/// for snapshots and an Orleans cluster whose membership is a DynamoDB table; logs under <see cref="LogDirectory"/> are
/// kept after the test.
/// </summary>
internal sealed class ProcessCluster : IAsyncDisposable
{
    private readonly TempDirectory _data = new();
    private readonly Dictionary<string, string> _settings;

    private ProcessCluster(
        EmulatorEnvironment emulators, string stream, int silos, IEnumerable<KeyValuePair<string, string>> extra, FaultInjectingProxy? s3Proxy = null, FaultInjectingProxy? dynamoDbProxy = null)
    {
        Emulators = emulators;
        S3Proxy = s3Proxy;
        DynamoDBProxy = dynamoDbProxy;
        Stream = stream;
        Kinesis = NewKinesisClient(emulators);
        LogDirectory = Path.Combine(AppContext.BaseDirectory, "silo-logs", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{stream}");
        Silos = [.. Enumerable.Range(1, silos).Select(i => new SiloProcess($"silo-{i}", SiloExecutable.Path, Path.Combine(_data.Path, $"silo-{i}"), LogDirectory))];
        _settings = ClusterSiloSettings.For(stream, emulators.KinesisLocal, dynamoDbProxy?.Endpoint ?? emulators.DynamoDB, s3Proxy?.Endpoint ?? emulators.S3);
        _settings["Kinesis:MinFetchPeriod"] = "00:00:00.200";
        _settings["Kinesis:ShardFetchInterval"] = "00:00:00.500";
        _settings["Kinesis:CheckpointInterval"] = "00:00:01";
        _settings["Grains:PartitionCount"] = "8";
        foreach (var (key, value) in extra)
        {
            _settings[key] = value;
        }
    }

    public EmulatorEnvironment Emulators { get; }

    /// <summary>With <see cref="StartWithFaultProxiesAsync"/>: the proxy every silo's S3 traffic (snapshots, dead letters) goes through.</summary>
    public FaultInjectingProxy? S3Proxy { get; }

    /// <summary>With <see cref="StartWithFaultProxiesAsync"/>: the proxy every silo's DynamoDB traffic (leases, membership, snapshot fence) goes through.</summary>
    public FaultInjectingProxy? DynamoDBProxy { get; }

    public string Stream { get; }

    public KinesisClient Kinesis { get; }

    public IReadOnlyList<SiloProcess> Silos { get; }

    public string LogDirectory { get; }

    public string ClusterId => _settings["Silo:ClusterId"];

    public string ApplicationName => _settings["Silo:ApplicationName"];

    public string MembershipTable => _settings["Silo:MembershipTableName"];

    public static async Task<ProcessCluster> StartAsync(int silos, int shards, params (string Key, string Value)[] extra)
    {
        var emulators = EmulatorEnvironment.Start("kinesis-local", "dynalite", "s3rver");
        try
        {
            var stream = "s-" + Guid.NewGuid().ToString("N")[..10];
            using (var kinesis = NewKinesisClient(emulators))
            {
                await kinesis.CreateStreamAsync(stream, shards);
                await kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(60));
            }

            return new ProcessCluster(emulators, stream, silos, extra.Select(e => new KeyValuePair<string, string>(e.Key, e.Value)));
        }
        catch
        {
            emulators.Dispose();
            throw;
        }
    }

    /// <summary>
    /// As <see cref="StartAsync(int, int, (string Key, string Value)[])"/>, but the silos reach S3 and DynamoDB through a
    /// <see cref="FaultInjectingProxy"/> each (a test hangs or cuts them); the test's own clients use the emulators directly.
    /// </summary>
    public static async Task<ProcessCluster> StartWithFaultProxiesAsync(int silos, int shards, params (string Key, string Value)[] extra)
    {
        var emulators = EmulatorEnvironment.Start("kinesis-local", "dynalite", "s3rver");
        FaultInjectingProxy? s3 = null, dynamoDb = null;
        try
        {
            s3 = await FaultInjectingProxy.StartAsync(emulators.S3);
            dynamoDb = await FaultInjectingProxy.StartAsync(emulators.DynamoDB);
            var stream = "s-" + Guid.NewGuid().ToString("N")[..10];
            using (var kinesis = NewKinesisClient(emulators))
            {
                await kinesis.CreateStreamAsync(stream, shards);
                await kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(60));
            }

            return new ProcessCluster(emulators, stream, silos, extra.Select(e => new KeyValuePair<string, string>(e.Key, e.Value)), s3, dynamoDb);
        }
        catch
        {
            if (s3 is not null)
            {
                await s3.DisposeAsync();
            }

            if (dynamoDb is not null)
            {
                await dynamoDb.DisposeAsync();
            }

            emulators.Dispose();
            throw;
        }
    }

    /// <summary>Starts a silo with the cluster's settings.</summary>
    public Task StartAsync(SiloProcess silo, params (string Key, string Value)[] extra) =>
        silo.StartAsync(_settings.Concat(extra.Select(e => new KeyValuePair<string, string>(e.Key, e.Value))), TimeSpan.FromSeconds(90));

    public Task StartAllAsync() => Task.WhenAll(Silos.Select(s => StartAsync(s)));

    /// <summary>An Orleans client that reads the gateways from the membership table: any live silo serves it.</summary>
    public Task<ClusterConnection> ConnectAsync() =>
        ClusterConnection.ConnectDynamoDBAsync(Emulators.DynamoDB.ToString(), MembershipTable, ClusterId);

    /// <summary>The tails of every silo's current log, for a failure message.</summary>
    public string LogTails(int lines = 30) =>
        string.Concat(Silos.Select(s => $"\n----- {s.Name} ({s.CurrentLog}) -----\n{s.Tail(lines)}"));

    public async ValueTask DisposeAsync()
    {
        S3Proxy?.ClearFaults();
        DynamoDBProxy?.ClearFaults();
        await Task.WhenAll(Silos.Select(s => s.StopAsync(TimeSpan.FromSeconds(20))));
        foreach (var silo in Silos)
        {
            silo.Dispose();
        }

        Kinesis.Dispose();
        if (S3Proxy is not null)
        {
            await S3Proxy.DisposeAsync();
        }

        if (DynamoDBProxy is not null)
        {
            await DynamoDBProxy.DisposeAsync();
        }

        Emulators.Dispose();
        _data.Dispose();
    }

    // A PutRecords retried after a timeout may have landed the first time (Kinesis has no idempotent put), and a
    // duplicate breaks the ground truth: a loaded emulator gets minutes before the client gives up on it.
    private static KinesisClient NewKinesisClient(EmulatorEnvironment emulators) =>
        new(new KinesisClientOptions { ServiceUrl = emulators.KinesisLocal, AccessKeyId = "local", SecretAccessKey = "local", RequestTimeout = TimeSpan.FromMinutes(3) });
}
