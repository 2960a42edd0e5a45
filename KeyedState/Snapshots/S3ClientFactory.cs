using Amazon.Runtime;
using Amazon.S3;

namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>Builds the SDK's S3 client from <see cref="S3SnapshotOptions"/>.</summary>
internal static class S3ClientFactory
{
    public static IAmazonS3 Create(S3SnapshotOptions options)
    {
        var config = CreateConfig(options);
        if (options.Credentials is { } given)
        {
            return new AmazonS3Client(given, config);
        }

        if (string.IsNullOrEmpty(options.AccessKeyId))
        {
            return new AmazonS3Client(config);
        }

        AWSCredentials credentials = string.IsNullOrEmpty(options.SessionToken)
            ? new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey)
            : new SessionAWSCredentials(options.AccessKeyId, options.SecretAccessKey, options.SessionToken);
        return new AmazonS3Client(credentials, config);
    }

    /// <summary>The client settings <see cref="Create"/> uses, for callers that build or wrap their own client.</summary>
    public static AmazonS3Config CreateConfig(S3SnapshotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        new S3SnapshotOptionsValidator(options).ValidateConfiguration();

        var config = new AmazonS3Config
        {
            // SDK 4.x otherwise sends aws-chunked bodies with trailing checksums, which emulators such as s3rver store
            // verbatim (chunk headers inside the object). Integrity is ours anyway: every file is SHA-256 checked on restore.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,

            // S3SnapshotStore owns retries and per-attempt timeouts; SDK retries would multiply them.
            MaxErrorRetry = 0,
            Timeout = options.UploadAttemptTimeout,
        };

        if (options.ServiceUrl is not null)
        {
            config.ServiceURL = options.ServiceUrl.ToString();
            config.AuthenticationRegion = options.Region;

            // Emulators have no wildcard DNS for virtual-hosted buckets.
            config.ForcePathStyle = true;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        return config;
    }
}
