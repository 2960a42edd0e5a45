using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Client;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Silo.Hosting;
using KinesisGrains.Testing;

namespace KinesisGrains.Tests;

/// <summary>kinesalite and dynalite for a test class, and helpers to make streams and silos on them.</summary>
public class LocalCluster : IDisposable
{
    public LocalCluster()
        : this(kinesisLocal: false)
    {
    }

    /// <param name="kinesisLocal">kinesis-local (resharding, ChildShards) instead of the faster kinesalite.</param>
    protected LocalCluster(bool kinesisLocal)
    {
        Emulators = kinesisLocal
            ? EmulatorEnvironment.Start("kinesis-local", "dynalite", "s3rver")
            : EmulatorEnvironment.Start("kinesalite", "dynalite", "s3rver");
        KinesisEndpoint = kinesisLocal ? Emulators.KinesisLocal : Emulators.Kinesis;
        // Minutes before a PutRecords is retried: one that timed out may have landed, and a duplicate breaks the truth.
        Kinesis = new KinesisClient(new KinesisClientOptions { ServiceUrl = KinesisEndpoint, AccessKeyId = "local", SecretAccessKey = "local", RequestTimeout = TimeSpan.FromMinutes(3) });
    }

    public Uri KinesisEndpoint { get; }

    public EmulatorEnvironment Emulators { get; }

    public KinesisClient Kinesis { get; }

    /// <summary>A DynamoDB client of the emulator, as the tool makes one (its lease tables, pointers and facts).</summary>
    public Amazon.DynamoDBv2.IAmazonDynamoDB DynamoDBClient() =>
        KinesisGrains.DynamoDB.DynamoDBClientFactory.Create(new KinesisGrains.DynamoDB.DynamoDBOptions { ServiceUrl = Emulators.DynamoDB, AccessKeyId = "local", SecretAccessKey = "local" });

    /// <summary>An S3 client of s3rver for <paramref name="bucket"/>, as the tool makes one (snapshots).</summary>
    public Amazon.S3.IAmazonS3 S3Client(string bucket) =>
        KinesisGrains.KeyedState.Snapshots.S3ClientFactory.Create(new KinesisGrains.KeyedState.Snapshots.S3SnapshotOptions { Bucket = bucket, ServiceUrl = Emulators.S3, AccessKeyId = "S3RVER", SecretAccessKey = "S3RVER" });

    public async Task<string> CreateStreamAsync(int shards)
    {
        var name = "s-" + Guid.NewGuid().ToString("N")[..10];
        await Kinesis.CreateStreamAsync(name, shards);
        await Kinesis.WaitForStreamActiveAsync(name, TimeSpan.FromSeconds(30));
        return name;
    }

    /// <param name="concurrency">1 keeps every key's events in the stream in the order they were made.</param>
    public async Task<GroundTruth> ProduceAsync(string stream, int records, int keys, int seed = 7, GroundTruth? truth = null, int concurrency = 4, DateTimeOffset? start = null)
    {
        truth ??= new GroundTruth();
        await new ClickstreamProducer(Kinesis, stream) { Concurrency = concurrency }.ProduceAsync(records, keys, seed, truth, start: start);
        return truth;
    }

    /// <summary>The settings of a silo on these emulators; add or override with <paramref name="extra"/>.</summary>
    public Dictionary<string, string?> SiloSettings(string application, string stream, string dataDirectory, params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Silo:ApplicationName"] = application,
            ["Silo:DataDirectory"] = dataDirectory,
            ["Silo:HttpUrl"] = "http://127.0.0.1:0",
            ["Silo:SiloPort"] = "0",
            ["Silo:GatewayPort"] = "0",
            ["Kinesis:StreamName"] = stream,
            ["Kinesis:ServiceUrl"] = KinesisEndpoint.ToString(),
            ["Kinesis:AccessKeyId"] = "local",
            ["Kinesis:SecretAccessKey"] = "local",
            ["Kinesis:InitialPosition"] = "TRIM_HORIZON",
            ["Kinesis:MinFetchPeriod"] = "00:00:00.200",
            ["Kinesis:CheckpointInterval"] = "00:00:00.500",
            ["DynamoDB:ServiceUrl"] = Emulators.DynamoDB.ToString(),
            ["DynamoDB:AccessKeyId"] = "local",
            ["DynamoDB:SecretAccessKey"] = "local",
            ["Grains:PartitionCount"] = "8",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Adds S3 snapshots in s3rver (WAL off, restore on start) to silo settings.</summary>
    public Dictionary<string, string?> WithSnapshots(Dictionary<string, string?> settings, string bucket = "kgrains-tests")
    {
        settings["Snapshots:Bucket"] = bucket;
        settings["Snapshots:ServiceUrl"] = Emulators.S3.ToString();
        settings["Snapshots:AccessKeyId"] = "S3RVER";
        settings["Snapshots:SecretAccessKey"] = "S3RVER";
        settings["Snapshots:CreateBucketIfMissing"] = "true";
        return settings;
    }

    /// <summary>An Orleans client connected to <paramref name="silo"/>'s gateway.</summary>
    public static Task<ClusterConnection> ConnectAsync(SiloInstance silo) =>
        ClusterConnection.ConnectAsync([silo.GatewayPort], silo.ClusterId);

    /// <summary>Starts an Orleans silo in this process whose user-activity partitions consume the stream.</summary>
    /// <param name="configure">More silo configuration, after the stream consumer.</param>
    public static Task<SiloInstance> StartSiloAsync(Dictionary<string, string?> settings, Action<SiloBuilder>? configure = null) =>
        SiloHost.StartAsync(
            [],
            silo =>
            {
                silo.ConsumeStream<ClickEvent, UserActivityPartitionGrain>(IUserActivityPartition.StreamNamespace);
                configure?.Invoke(silo);
            },
            settings);

    /// <summary>Waits until the silo has read at least <paramref name="records"/> records and every shard is caught up.</summary>
    public static async Task WaitForCaughtUpAsync(SiloInstance silo, long records, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (!(silo.Source.IsCaughtUp && silo.Source.Progress.Sum(p => p.RecordsRead) >= records))
        {
            if (DateTime.UtcNow > deadline)
            {
                var shards = string.Join("; ", silo.Source.Progress.Select(p => $"{p.ShardId} {p.State} read {p.RecordsRead} caught up {p.CaughtUp} error {p.LastError}"));
                throw new TimeoutException($"Silo not caught up with {records} records: {shards}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Waits until the silo's dead-letter folder holds <paramref name="count"/> letters (a partition writes its dead
    /// letters out once a checkpoint barrier made them durable) and returns them.
    /// </summary>
    public static async Task<List<Abstractions.DeadLetters.DeadLetter>> WaitForDeadLettersAsync(string dataDirectory, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var queue = new Abstractions.DeadLetters.LocalDeadLetterQueue(Path.Combine(dataDirectory, "dead-letters"));
        List<Abstractions.DeadLetters.DeadLetter> letters;
        while ((letters = queue.ReadAll().ToList()).Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        return letters;
    }

    public void Dispose()
    {
        Kinesis.Dispose();
        Emulators.Dispose();
        GC.SuppressFinalize(this);
    }
}
