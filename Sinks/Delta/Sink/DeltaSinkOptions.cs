using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// A Delta sink (<c>Sinks:{name}</c>): which state's rows go to which table on S3, how the table is laid out and how
/// its commits are made exclusive. Leave the keys empty to use the AWS default credentials chain.
/// <see cref="DeltaSinkOptionsValidator"/> holds their rules.
/// </summary>
public sealed class DeltaSinkOptions
{
    /// <summary>One mebibyte, for the size settings.</summary>
    public const long MiB = 1024 * 1024;

    /// <summary>The sink's name (the configuration section's); <c>AddDeltaSink</c> sets it. Part of every txn appId and the committer grain's key.</summary>
    public string Name { get; set; } = "";

    /// <summary>The application, first part of the txn appIds <c>{Application}/{Name}/{StateName}/{partition}</c>: two applications writing one table never skip each other's epochs.</summary>
    public string Application { get; set; } = "kgrains";

    /// <summary>The keyed state whose rows the sink takes.</summary>
    public string StateName { get; set; } = "";

    /// <summary>Which rows of the state the table takes: the emitted rows (appended) or the changelog (merged by key).</summary>
    public SinkOutputKind Output { get; set; } = SinkOutputKind.Emitted;

    /// <summary>
    /// <see cref="DeltaSinkMode.Append"/> (every epoch's rows appended) or <see cref="DeltaSinkMode.Merge"/> (one row per
    /// live key, its latest state; only with <see cref="SinkOutputKind.Changelog"/>). Fixed for a table's life: a table
    /// made by one mode is refused by the other.
    /// </summary>
    public DeltaSinkMode Mode { get; set; } = DeltaSinkMode.Append;

    /// <summary>
    /// <see cref="DeltaSinkMode.Merge"/> only: the buckets each state partition's keys are spread over, one data file per
    /// (partition, bucket) (per partition value, when the table is partitioned). An epoch rewrites the files of the
    /// buckets its keys fall in, so more buckets rewrite less per epoch but make more, smaller files. The table keeps it
    /// in <c>metaData.configuration</c> (<c>kgrains.mergeBuckets</c>) and a sink with another value is refused.
    /// </summary>
    public int MergeBuckets { get; set; } = 1;

    /// <summary>The S3 bucket of the table; required.</summary>
    public string Bucket { get; set; } = "";

    /// <summary>The table's root within <see cref="Bucket"/>, without leading or trailing '/' (e.g. <c>tables/user_summary</c>).</summary>
    public string Path { get; set; } = "";

    /// <summary>Partition column specs: a column of the rows (string, integer, long, boolean) or <c>date(timestampColumn)</c> (see <see cref="DeltaPartitionColumn"/>).</summary>
    public List<string> PartitionColumns { get; set; } = [];

    /// <summary>Optimize's target: small files are compacted into files of up to this size.</summary>
    public long TargetFileSize { get; set; } = 100 * MiB;

    /// <summary>A checkpoint every this many commits; 0 for none.</summary>
    public int CheckpointInterval { get; set; } = 10;

    /// <summary>Where commits are made atomic: S3 conditional writes, or a DynamoDB log table for stores without them.</summary>
    public DeltaLogStoreKind LogStore { get; set; } = DeltaLogStoreKind.S3;

    /// <summary>The DynamoDB table of <see cref="DeltaLogStoreKind.DynamoDB"/> (created when missing).</summary>
    public string LogTableName { get; set; } = DeltaLogTableOptions.DefaultTableName;

    /// <summary>The <c>tablePath</c> key of <see cref="DeltaLogStoreKind.DynamoDB"/> entries; null for <c>s3://{Bucket}/{Path}</c>. Spark writers of the same table must use the same (s3a:// paths write s3a://).</summary>
    public string? LogTablePath { get; set; }

    /// <summary>An S3 endpoint override (a local emulator); null for the AWS endpoint of <see cref="Region"/>.</summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>A DynamoDB endpoint override for <see cref="DeltaLogStoreKind.DynamoDB"/>; null for the AWS endpoint of <see cref="Region"/>.</summary>
    public Uri? DynamoDBServiceUrl { get; set; }

    /// <summary>The bucket's AWS region, used to sign requests also when <c>ServiceUrl</c> points at an emulator.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>An access key id; leave it and <see cref="SecretAccessKey"/> empty to use the AWS default credential chain.</summary>
    public string? AccessKeyId { get; set; }

    /// <summary>The secret of <see cref="AccessKeyId"/>.</summary>
    public string? SecretAccessKey { get; set; }

    /// <summary>The session token of temporary credentials.</summary>
    public string? SessionToken { get; set; }

    /// <summary>
    /// Credentials to sign with, built by the host (an assumed role: <c>KinesisGrains.Aws.AwsCredentialsResolver</c>);
    /// when set, they win over the keys. Not a setting: configure RoleArn and the keys instead.
    /// </summary>
    public Amazon.Runtime.AWSCredentials? Credentials { get; set; }

    /// <summary>Time allowed for one S3 request.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>At most one commit per partition this often; zero (the default) commits at every checkpoint barrier (<see cref="IRowSink.CommitInterval"/>).</summary>
    public TimeSpan CommitInterval { get; set; }
}
