using KinesisGrains.Client;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Testing;

namespace KinesisGrains.MultiProcess;

/// <summary>
/// kinesis-local, dynalite and s3rver on free ports of 127.0.0.1, one stream, and silo processes sharing an S3 bucket
/// for snapshots and an Orleans cluster; logs under <see cref="LogDirectory"/> are kept after the test.
/// </summary>
internal sealed class ProcessCluster : IAsyncDisposable
{
    private readonly TempDirectory _data = new();
    private readonly Dictionary<string, string> _settings;

    private ProcessCluster(EmulatorEnvironment emulators, string stream, int silos, IEnumerable<KeyValuePair<string, string>> extra)
    {
        Emulators = emulators;
        Stream = stream;
        Kinesis = NewKinesisClient(emulators);
        LogDirectory = Path.Combine(AppContext.BaseDirectory, "silo-logs", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{stream}");
        Silos = [.. Enumerable.Range(1, silos).Select(i => new SiloProcess($"silo-{i}", SiloExecutable.Path, Path.Combine(_data.Path, $"silo-{i}"), LogDirectory))];
        _settings = new Dictionary<string, string>
        {
            ["Silo:ApplicationName"] = "app-" + stream,
            ["Silo:ClusterId"] = "c-" + stream,
            ["Kinesis:StreamName"] = stream,
            ["Kinesis:ServiceUrl"] = emulators.KinesisLocal.ToString(),
            ["Kinesis:AccessKeyId"] = "local",
            ["Kinesis:SecretAccessKey"] = "local",
            ["Kinesis:InitialPosition"] = "TRIM_HORIZON",
            ["Kinesis:MinFetchPeriod"] = "00:00:00.200",
            ["Kinesis:ShardFetchInterval"] = "00:00:00.500",
            ["Kinesis:CheckpointInterval"] = "00:00:01",
            ["DynamoDb:ServiceUrl"] = emulators.DynamoDb.ToString(),
            ["DynamoDb:AccessKeyId"] = "local",
            ["DynamoDb:SecretAccessKey"] = "local",
            ["Snapshots:Bucket"] = stream,
            ["Snapshots:ServiceUrl"] = emulators.S3.ToString(),
            ["Snapshots:AccessKeyId"] = "S3RVER",
            ["Snapshots:SecretAccessKey"] = "S3RVER",
            ["Snapshots:CreateBucketIfMissing"] = "true",
            ["Grains:PartitionCount"] = "8",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:KinesisGrains"] = "Information",
            ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss.fff ",
        };
        foreach (var (key, value) in Membership.Settings(this).Concat(extra))
        {
            _settings[key] = value;
        }
    }

    public EmulatorEnvironment Emulators { get; }

    public string Stream { get; }

    public KinesisClient Kinesis { get; }

    public IReadOnlyList<SiloProcess> Silos { get; }

    public string LogDirectory { get; }

    /// <summary>How the silos find each other and clients find gateways (see <see cref="ClusterMembership"/>).</summary>
    public ClusterMembership Membership { get; } = ClusterMembership.Current;

    public string ClusterId => _settings["Silo:ClusterId"];

    /// <summary>Silos a test may kill: all with DynamoDB membership, all but the primary with localhost clustering.</summary>
    public IReadOnlyList<SiloProcess> Killable => Membership.HasPrimary ? Silos.Skip(1).ToList() : Silos;

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

    /// <summary>Starts a silo with the cluster's settings (and the primary's port for localhost clustering).</summary>
    public Task StartAsync(SiloProcess silo, params (string Key, string Value)[] extra) =>
        silo.StartAsync(
            _settings.Concat(Membership.SiloSettings(this, silo)).Concat(extra.Select(e => new KeyValuePair<string, string>(e.Key, e.Value))),
            TimeSpan.FromSeconds(90));

    /// <summary>Starts every silo: the primary first where there is one (the others join it), the rest together.</summary>
    public async Task StartAllAsync()
    {
        var rest = Silos.AsEnumerable();
        if (Membership.HasPrimary)
        {
            await StartAsync(Silos[0]);
            rest = Silos.Skip(1);
        }

        await Task.WhenAll(rest.Select(s => StartAsync(s)));
    }

    /// <summary>An Orleans client that finds the gateways as the cluster's membership says and can use any live one.</summary>
    public Task<ClusterConnection> ConnectAsync() => Membership.ConnectAsync(this);

    /// <summary>The tails of every silo's current log, for a failure message.</summary>
    public string LogTails(int lines = 30) =>
        string.Concat(Silos.Select(s => $"\n----- {s.Name} ({s.CurrentLog}) -----\n{s.Tail(lines)}"));

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Silos.Select(s => s.StopAsync(TimeSpan.FromSeconds(20))));
        foreach (var silo in Silos)
        {
            silo.Dispose();
        }

        Kinesis.Dispose();
        Emulators.Dispose();
        _data.Dispose();
    }

    private static KinesisClient NewKinesisClient(EmulatorEnvironment emulators) =>
        new(new KinesisClientOptions { ServiceUrl = emulators.KinesisLocal, AccessKeyId = "local", SecretAccessKey = "local" });
}
