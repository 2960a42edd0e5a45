namespace KinesisGrains.Kinesis.Client;

/// <summary>Settings of a <see cref="KinesisClient"/>; <see cref="KinesisClientOptionsValidator"/> holds their rules.</summary>
public sealed class KinesisClientOptions
{
    /// <summary>Largest page ListShards accepts; AWS documents 1000 and the emulators validate 10000.</summary>
    public const int MaxListShardsPageSize = 10_000;

    /// <summary>Endpoint to call, e.g. an emulator; <c>null</c> means the AWS endpoint of <see cref="Region"/>.</summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>Region used for the default endpoint and in the SigV4 credential scope.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Explicit access key; when both keys are <c>null</c> the AWS SDK default credentials chain is used.</summary>
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

    /// <summary>Time allowed for one HTTP attempt (connect, send and read the response).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts per call, counting the first, for transient failures (HTTP 5xx, InternalFailure, network errors, timeouts).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Base of the exponential back-off between attempts (full jitter).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Upper bound of one back-off delay.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>MaxResults sent with each ListShards page.</summary>
    public int ListShardsPageSize { get; set; } = 1000;

    /// <summary>
    /// HTTP/2 receive window of one enhanced fan-out subscription, in bytes (65,535 to 16 MiB): how much a shard's
    /// server may send before the reader takes it. 2 MiB is about a second of a shard at its 2 MB/s read limit;
    /// kinesis-local stalls on events larger than the window.
    /// </summary>
    public int Http2StreamWindowSize { get; set; } = 2 * 1024 * 1024;

    /// <summary>The endpoint requests are sent to.</summary>
    public Uri ResolveEndpoint() => ServiceUrl ?? new Uri($"https://kinesis.{Region}.amazonaws.com/");

    /// <summary>A copy, so a client is not affected by later changes to the options it was given.</summary>
    internal KinesisClientOptions Clone() => (KinesisClientOptions)MemberwiseClone();
}
