using KinesisGrains.Kinesis.Client;
using KinesisGrains.Kinesis.Leasing;
using KinesisGrains.Kinesis.Source;
using KinesisGrains.RocksDb.Snapshots;
using KinesisGrains.RocksDb.Storage;
using KinesisGrains.KeyedState;
using Microsoft.Extensions.Configuration;

namespace KinesisGrains.Silo.Configuration;

/// <summary>Every option of the silo, bound from configuration (appsettings.json, environment, command line) and validated at start.</summary>
public sealed class SiloConfiguration
{
    public SiloOptions Silo { get; } = new();

    public KinesisSourceOptions Source { get; } = new();

    public KinesisClientOptions KinesisClient { get; } = new();

    public DynamoDbOptions DynamoDb { get; } = new();

    public KeyedStateOptions Grains { get; } = new();

    /// <summary>RocksDB memory of the state partitions (section <c>State</c>).</summary>
    public PartitionStoreOptions State { get; } = new();

    /// <summary>S3 snapshots (section <c>Snapshots</c>); without a bucket, state is durable only on the local disk.</summary>
    public S3SnapshotOptions Snapshots { get; } = new();

    /// <summary>Create the snapshot bucket when it does not exist (for local emulators).</summary>
    public bool CreateSnapshotBucket { get; private set; }

    public bool SnapshotsEnabled => !string.IsNullOrWhiteSpace(Snapshots.Bucket);

    /// <summary>When set, dead letters are also shipped to the snapshot bucket under this prefix (section <c>DeadLetters</c>).</summary>
    public string? DeadLetterS3Prefix { get; private set; }

    public TimeSpan DeadLetterFlushInterval { get; private set; } = TimeSpan.FromSeconds(5);

    public static SiloConfiguration Bind(IConfiguration configuration)
    {
        var result = new SiloConfiguration();
        configuration.GetSection("Silo").Bind(result.Silo);
        configuration.GetSection("Kinesis").Bind(result.Source);
        configuration.GetSection("Kinesis").Bind(result.KinesisClient);
        configuration.GetSection("DynamoDb").Bind(result.DynamoDb);
        configuration.GetSection("Grains").Bind(result.Grains);
        configuration.GetSection("State").Bind(result.State);
        configuration.GetSection("Snapshots").Bind(result.Snapshots);
        result.CreateSnapshotBucket = configuration.GetValue<bool>("Snapshots:CreateBucketIfMissing");
        result.DeadLetterS3Prefix = configuration["DeadLetters:S3Prefix"] is { Length: > 0 } prefix ? prefix : null;
        result.DeadLetterFlushInterval = configuration.GetValue("DeadLetters:FlushInterval", result.DeadLetterFlushInterval);
        return result;
    }

    /// <summary>Every problem found, each a sentence naming the setting; empty when the configuration is usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        errors.AddRange(Silo.Validate());
        errors.AddRange(Source.Validate());
        errors.AddRange(DynamoDb.Validate());
        errors.AddRange(Grains.Validate().Select(e => "Grains:" + e));
        errors.AddRange(State.Validate().Select(e => "State: " + e));
        if (DeadLetterS3Prefix is not null && !SnapshotsEnabled)
        {
            errors.Add("DeadLetters:S3Prefix needs Snapshots:Bucket: dead letters are shipped to the snapshot bucket.");
        }

        if (DeadLetterFlushInterval <= TimeSpan.Zero)
        {
            errors.Add($"DeadLetters:FlushInterval must be positive; it is {DeadLetterFlushInterval}.");
        }

        if (SnapshotsEnabled)
        {
            errors.AddRange(Snapshots.Validate().Select(e => "Snapshots: " + e));
        }

        try
        {
            KinesisClient.Validate();
        }
        catch (ArgumentException exception)
        {
            errors.Add("Kinesis: " + exception.Message);
        }

        return errors;
    }
}
