namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// Where and how <see cref="S3SnapshotStore"/> keeps snapshots. Leave the keys empty to use the AWS default credentials
/// chain. <see cref="S3SnapshotOptionsValidator"/> holds their rules.
/// </summary>
public sealed class S3SnapshotOptions
{
    /// <summary>One mebibyte, for the size settings.</summary>
    public const long MiB = 1024 * 1024;

    /// <summary>S3's smallest part, except the last one of an upload.</summary>
    public const long MinPartSizeBytes = 5 * MiB;

    /// <summary>S3's largest single PUT and largest part.</summary>
    public const long MaxObjectPartBytes = 5 * 1024 * MiB;

    /// <summary>The bucket the snapshots go to; required.</summary>
    public string Bucket { get; set; } = "";

    /// <summary>Key prefix of every object, without leading or trailing '/'; empty puts partitions at the bucket root.</summary>
    public string Prefix { get; set; } = "snapshots";

    /// <summary>An endpoint override (a local emulator); null for the AWS endpoint of <see cref="Region"/>.</summary>
    public Uri? ServiceUrl { get; set; }

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

    /// <summary>Files larger than this are uploaded in parts.</summary>
    public long MultipartThresholdBytes { get; set; } = 64 * MiB;

    /// <summary>Size of one part of a multipart upload, and of one ranged GET when a large file is restored.</summary>
    public long PartSizeBytes { get; set; } = 16 * MiB;

    /// <summary>Object transfers (whole files, parts, ranges) one upload or restore runs at once.</summary>
    public int UploadConcurrency { get; set; } = 4;

    /// <summary>
    /// Time allowed for one attempt at one transfer (a file, a part, a range; uploads and downloads). A slower attempt is
    /// cancelled and retried, so a hung S3 connection costs one timeout rather than the snapshot.
    /// </summary>
    public TimeSpan UploadAttemptTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Attempts per request, counting the first, for transient failures (HTTP 5xx, 429, network errors, timeouts).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Base of the exponential back-off between attempts; each delay is jittered.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Manifests <see cref="S3SnapshotStore.PruneAsync(string, CancellationToken)"/> keeps per partition, newest first.</summary>
    public int SnapshotsToRetain { get; set; } = 3;

    /// <summary>
    /// Prune deletes an object no retained snapshot names only once it is older than this (by its S3 LastModified):
    /// files a writer uploaded for a manifest it has not committed yet are never taken from under it. Longer than any
    /// snapshot upload takes.
    /// </summary>
    public TimeSpan PruneGracePeriod { get; set; } = TimeSpan.FromMinutes(10);
}
