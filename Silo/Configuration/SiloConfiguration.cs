using KinesisGrains.Aws;
using KinesisGrains.DynamoDB;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.KeyedState;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Streaming.Kinesis.Source;
using Microsoft.Extensions.Configuration;

namespace KinesisGrains.Silo.Configuration;

/// <summary>Every option of the silo, bound from configuration (appsettings.json, environment, command line) and validated at start.</summary>
public sealed class SiloConfiguration
{
    public SiloOptions Silo { get; } = new();

    public KinesisSourceOptions Source { get; } = new();

    public KinesisClientOptions KinesisClient { get; } = new();

    /// <summary>Event time and watermarks (section <c>Kinesis:EventTime</c>).</summary>
    public EventTimeOptions EventTime { get; } = new();

    public DynamoDBOptions DynamoDB { get; } = new();

    /// <summary>Orleans failure detection (section <c>Membership</c>), applied with DynamoDB clustering: Orleans' defaults, tuned as <see cref="MembershipDefaults.Tuned"/>.</summary>
    public Orleans.Configuration.ClusterMembershipOptions Membership { get; } = MembershipDefaults.Tuned();

    public KeyedStateOptions Grains { get; } = new();

    /// <summary>RocksDB memory of the state partitions (section <c>State</c>).</summary>
    public PartitionStoreOptions State { get; } = new();

    /// <summary>S3 snapshots (section <c>Snapshots</c>); without a bucket, state is durable only on the local disk.</summary>
    public S3SnapshotOptions Snapshots { get; } = new();

    /// <summary>Progress records, metrics level and dimensions, exporter (section <c>Metrics</c>).</summary>
    public MetricsOptions Metrics { get; } = new();
    /// <summary>The Orleans Dashboard and the streaming page (section <c>Dashboard</c>).</summary>
    public DashboardSettings Dashboard { get; } = new();

    /// <summary>Where the keyed states' rows go (section <c>Sinks</c>, one subsection per sink by name).</summary>
    public IReadOnlyList<SinkSettings> Sinks { get; private set; } = [];

    /// <summary>Create the snapshot bucket when it does not exist (for local emulators).</summary>
    public bool CreateSnapshotBucket => SnapshotBucket.CreateBucketIfMissing;

    public bool SnapshotsEnabled => !string.IsNullOrWhiteSpace(Snapshots.Bucket);

    /// <summary>When set, dead letters are also shipped to the snapshot bucket under this prefix (section <c>DeadLetters</c>).</summary>
    public string? DeadLetterS3Prefix => DeadLetters.S3Prefix is { Length: > 0 } prefix ? prefix : null;

    public TimeSpan DeadLetterFlushInterval => DeadLetters.FlushInterval;

    /// <summary>The role Kinesis calls assume (<c>Kinesis:RoleArn</c> and friends); none by default.</summary>
    public AssumeRoleOptions KinesisRole { get; } = new();

    /// <summary>The role DynamoDB calls (leases, membership, grain storage, sinks) assume (<c>DynamoDB:RoleArn</c>).</summary>
    public AssumeRoleOptions DynamoDBRole { get; } = new();

    /// <summary>The role S3 calls (snapshots, the Delta sink) assume (<c>Snapshots:RoleArn</c>).</summary>
    public AssumeRoleOptions SnapshotsRole { get; } = new();

    /// <summary>Unknown keys and values that did not convert, each naming its key; <see cref="Validate"/> lists them first.</summary>
    public IReadOnlyList<string> BindingProblems { get; private set; } = [];

    private SnapshotBucketOptions SnapshotBucket { get; } = new();

    private DeadLetterOptions DeadLetters { get; } = new();

    /// <summary>Binds our sections strictly; never throws for a bad setting, which ends up in <see cref="BindingProblems"/>.</summary>
    /// <remarks>Other sections (Logging, AllowedHosts, ...) belong to other components and are not looked at.</remarks>
    public static SiloConfiguration Bind(IConfiguration configuration)
    {
        var result = new SiloConfiguration();
        result.BindingProblems =
        [
            .. StrictConfigurationBinder.Bind(configuration.GetSection("Silo"), result.Silo),
            .. StrictConfigurationBinder.Bind(configuration.GetSection("Kinesis"), result.Source, result.KinesisClient, new KinesisEventTimeSection(result.EventTime), result.KinesisRole),
            .. StrictConfigurationBinder.Bind(configuration.GetSection("DynamoDB"), result.DynamoDB, result.DynamoDBRole),
            .. StrictConfigurationBinder.Bind(configuration.GetSection("Membership"), result.Membership),
            .. StrictConfigurationBinder.Bind(configuration.GetSection("Grains"), result.Grains),
            .. StrictConfigurationBinder.Bind(configuration.GetSection("State"), result.State),
            .. StrictConfigurationBinder.Bind(configuration.GetSection("Snapshots"), result.Snapshots, result.SnapshotBucket, result.SnapshotsRole),
            .. StrictConfigurationBinder.Bind(configuration.GetSection("DeadLetters"), result.DeadLetters),
            .. StrictConfigurationBinder.Bind(configuration.GetSection("Metrics"), result.Metrics),
            .. StrictConfigurationBinder.Bind(configuration.GetSection("Dashboard"), result.Dashboard),
        ];

        // Built once here, so every client of a section (and the sinks that start from it) shares one refreshing set.
        if (result.KinesisRole.IsSet)
        {
            var kinesis = result.KinesisClient;
            kinesis.Credentials = AwsCredentialsResolver.Resolve(kinesis.AccessKeyId, kinesis.SecretAccessKey, kinesis.SessionToken, result.KinesisRole, kinesis.Region);
        }

        if (result.DynamoDBRole.IsSet)
        {
            var dynamo = result.DynamoDB;
            dynamo.Credentials = AwsCredentialsResolver.Resolve(dynamo.AccessKeyId, dynamo.SecretAccessKey, null, result.DynamoDBRole, dynamo.Region);
        }

        if (result.SnapshotsRole.IsSet)
        {
            var s3 = result.Snapshots;
            s3.Credentials = AwsCredentialsResolver.Resolve(s3.AccessKeyId, s3.SecretAccessKey, s3.SessionToken, result.SnapshotsRole, s3.Region);
        }

        // After the sections whose connection settings a sink starts from.
        var sinkProblems = new List<string>();
        result.Sinks = SinkSettings.Bind(configuration.GetSection("Sinks"), result, sinkProblems);
        result.BindingProblems = [.. result.BindingProblems, .. sinkProblems];
        return result;
    }

    /// <summary>Every problem found, each a sentence naming the setting; empty when the configuration is usable.</summary>
    /// <remarks>
    /// Runs before any host is built, so that every problem is listed at once with exit code 2. The library options'
    /// rules come from their validators' Problems (the same rules Orleans runs again at start through the registered
    /// validators, which by then find nothing), prefixed with their section where a message lacks it; the silo's own
    /// sections, which Orleans never sees, keep their rules in their classes and here.
    /// </remarks>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>(BindingProblems);
        errors.AddRange(Silo.Validate());
        errors.AddRange(KinesisSourceOptionsValidator.Problems(Source));
        errors.AddRange(EventTimeOptionsValidator.Problems(EventTime));
        errors.AddRange(DynamoDBOptionsValidator.Problems(DynamoDB));
        errors.AddRange(AssumeRoleOptionsValidator.Problems(KinesisRole, "Kinesis"));
        errors.AddRange(AssumeRoleOptionsValidator.Problems(DynamoDBRole, "DynamoDB"));
        errors.AddRange(AssumeRoleOptionsValidator.Problems(SnapshotsRole, "Snapshots"));
        errors.AddRange(MembershipDefaults.Validate(Membership));
        if (Silo.Clustering == SiloClustering.DynamoDB)
        {
            // The table's own checks, named by our keys; the keys' pairing is DynamoDBOptionsValidator's already.
            errors.AddRange(KinesisGrains.Clustering.DynamoDB.DynamoDBSiloTableOptionsValidator
                .Problems(MembershipDefaults.TableOptions(Silo.MembershipTableName, DynamoDB))
                .Where(e => e.StartsWith("TableName ", StringComparison.Ordinal) || e.StartsWith("Service ", StringComparison.Ordinal))
                .Select(e => e.StartsWith("TableName ", StringComparison.Ordinal)
                    ? "Silo:MembershipTableName" + e["TableName".Length..]
                    : "DynamoDB:Region (for Silo:Clustering=DynamoDB)" + e["Service".Length..]));
        }

        if (Silo.Clustering == SiloClustering.DynamoDB && !SnapshotsEnabled)
        {
            // Without shared snapshots a partition's state lives on one machine's disk, and partitions move.
            errors.Add("Silo:Clustering=DynamoDB needs Snapshots:Bucket: partitions that move between silos would open an empty or stale local RocksDB, so set Snapshots:Bucket for the silos to share their state through S3.");
        }

        errors.AddRange(KeyedStateOptionsValidator.Problems(Grains).Select(e => "Grains:" + e));
        errors.AddRange(PartitionStoreOptionsValidator.Problems(State).Select(e => "State: " + e));
        errors.AddRange(Metrics.Validate());
        errors.AddRange(Dashboard.Validate());
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
            errors.AddRange(S3SnapshotOptionsValidator.Problems(Snapshots).Select(e => "Snapshots: " + e));
        }

        errors.AddRange(Sinks.SelectMany(s => s.Validate()));

        // Each in the words the silo printed when it caught KinesisClient's refusal (which named only the first).
        errors.AddRange(KinesisClientOptionsValidator.Problems(KinesisClient).Select(e => "Kinesis: Invalid KinesisClientOptions: " + e));

        return errors;
    }

    /// <summary>Binds <c>Kinesis:EventTime</c> beside the source and client settings that share the <c>Kinesis</c> section.</summary>
    private sealed class KinesisEventTimeSection(EventTimeOptions eventTime)
    {
        public EventTimeOptions EventTime { get; } = eventTime;
    }
}
