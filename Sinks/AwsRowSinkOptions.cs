using KinesisGrains.Abstractions.Sinks;
using Orleans;

namespace KinesisGrains.Sinks;

/// <summary>
/// What the DynamoDB and Kinesis sinks share: which rows they take (<see cref="StateName"/>, <see cref="Output"/>),
/// where the AWS service is and how their own retries back off. Configured as <c>Sinks:{name}:...</c>.
/// </summary>
public abstract class AwsRowSinkOptions
{
    /// <summary>The sink's name (<c>Sinks:{name}</c>); the registration sets it.</summary>
    public string Name { get; set; } = "";

    /// <summary>The keyed state whose rows the sink takes. Required.</summary>
    public string StateName { get; set; } = "";

    /// <summary>Emitted rows or the changelog; each sink has its own default.</summary>
    public SinkOutputKind Output { get; set; }

    /// <summary>An endpoint override (a local emulator); null for the AWS endpoint of <see cref="Region"/>.</summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>The AWS region, used to sign requests also when <c>ServiceUrl</c> points at an emulator.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>An access key id; leave it and <see cref="SecretAccessKey"/> empty for the AWS default credentials chain.</summary>
    [Redact]
    public string? AccessKeyId { get; set; }

    /// <summary>The secret of the access key id.</summary>
    [Redact]
    public string? SecretAccessKey { get; set; }

    /// <summary>The session token of temporary credentials; needs both keys.</summary>
    [Redact]
    public string? SessionToken { get; set; }

    /// <summary>
    /// Credentials to sign with, built by the host (an assumed role: <c>KinesisGrains.Aws.AwsCredentialsResolver</c>);
    /// when set, they win over the keys. Not a setting: configure RoleArn and the keys instead.
    /// </summary>
    public Amazon.Runtime.AWSCredentials? Credentials { get; set; }

    /// <summary>
    /// Attempts per write call (counting the first) while the service throttles or leaves items unwritten; then the
    /// commit throws and the partition hands the epoch over again later.
    /// </summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Base of the exponential back-off between those attempts (full jitter).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>At most one commit per partition this often; zero (the default) commits at every checkpoint barrier (<see cref="IRowSink.CommitInterval"/>).</summary>
    public TimeSpan CommitInterval { get; set; }

    /// <summary>Upper bound of one back-off delay.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The prefix of this sink's options in messages: <c>Sinks:{name}:</c>.</summary>
    internal string Section => $"Sinks:{(string.IsNullOrWhiteSpace(Name) ? "?" : Name)}:";
}
