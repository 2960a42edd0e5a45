using KinesisGrains.Streaming.Kinesis.Leasing;
using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.Streaming.Kinesis.Source;

/// <summary>
/// The rules of <see cref="KinesisSourceOptions"/>; the stream provider's validator checks them as part of its options,
/// at silo start.
/// </summary>
/// <remarks>Messages carry the <c>Kinesis:</c> section of the silo's configuration, which prints them as they are.</remarks>
internal sealed class KinesisSourceOptionsValidator(KinesisSourceOptions options) : IConfigurationValidator
{
    /// <exception cref="OrleansConfigurationException">Lists every invalid option.</exception>
    public void ValidateConfiguration()
    {
        var problems = Problems(options).ToList();
        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"Invalid Kinesis source options: {string.Join(" ", problems)}");
        }
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per problem, each naming the option.</summary>
    public static IEnumerable<string> Problems(KinesisSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (options.LeaseFailoverTime < TimeSpan.FromMilliseconds(300))
        {
            yield return $"Kinesis:LeaseFailoverTime must be at least 300 ms; it is {options.LeaseFailoverTime}.";
        }

        if (string.IsNullOrWhiteSpace(options.StreamName))
        {
            yield return "Kinesis:StreamName is required.";
        }

        if (options.InitialPosition is not (SentinelCheckpoint.TrimHorizon or SentinelCheckpoint.Latest or SentinelCheckpoint.AtTimestamp))
        {
            yield return $"Kinesis:InitialPosition must be TRIM_HORIZON, LATEST or AT_TIMESTAMP; it is '{options.InitialPosition}'.";
        }

        if (options.InitialPosition == SentinelCheckpoint.AtTimestamp && options.InitialTimestamp is null)
        {
            yield return "Kinesis:InitialTimestamp is required when Kinesis:InitialPosition is AT_TIMESTAMP.";
        }

        if (options.MaxRecordsPerFetch is < 1 or > KinesisSourceOptions.MaxRecordsPerFetchLimit)
        {
            yield return $"Kinesis:MaxRecordsPerFetch must be between 1 and {KinesisSourceOptions.MaxRecordsPerFetchLimit}; it is {options.MaxRecordsPerFetch}.";
        }

        if (options.MinFetchPeriod < KinesisSourceOptions.MinFetchPeriodFloor)
        {
            yield return $"Kinesis:MinFetchPeriod must be at least {KinesisSourceOptions.MinFetchPeriodFloor.TotalMilliseconds} ms (Kinesis allows 5 GetRecords calls per second per shard); it is {options.MinFetchPeriod.TotalMilliseconds} ms.";
        }

        if (options.MaxFetchRate is <= 0 or > 2.0 || double.IsNaN(options.MaxFetchRate))
        {
            yield return $"Kinesis:MaxFetchRate must be above 0 and at most 2.0 MB/s (the per-shard read limit); it is {options.MaxFetchRate}.";
        }

        if (options.MaxFetchDuration <= TimeSpan.Zero)
        {
            yield return $"Kinesis:MaxFetchDuration must be positive; it is {options.MaxFetchDuration}.";
        }

        if (options.FetchBufferSize < 1024 * 1024)
        {
            yield return $"Kinesis:FetchBufferSize must be at least 1 MiB; it is {options.FetchBufferSize} bytes.";
        }

        if (options.ShardsPerTask < 1)
        {
            yield return $"Kinesis:ShardsPerTask must be at least 1; it is {options.ShardsPerTask}.";
        }

        if (options.ThrottleBackoff < TimeSpan.Zero)
        {
            yield return $"Kinesis:ThrottleBackoff must not be negative; it is {options.ThrottleBackoff}.";
        }

        if (options.ShardFetchInterval <= TimeSpan.Zero)
        {
            yield return $"Kinesis:ShardFetchInterval must be positive; it is {options.ShardFetchInterval}.";
        }

        if (!Enum.IsDefined(options.ConsumerMode))
        {
            yield return $"Kinesis:ConsumerMode must be Polling or Efo; it is '{options.ConsumerMode}'.";
        }

        if (!string.IsNullOrEmpty(options.ConsumerName) && !IsConsumerName(options.ConsumerName))
        {
            yield return $"Kinesis:ConsumerName must be 1 to 128 of the characters a-z, A-Z, 0-9, '_', '.' and '-'; it is '{options.ConsumerName}'.";
        }

        if (!string.IsNullOrEmpty(options.ConsumerArn))
        {
            if (!options.ConsumerArn.StartsWith("arn:", StringComparison.Ordinal) || !options.ConsumerArn.Contains(":stream/", StringComparison.Ordinal) || !options.ConsumerArn.Contains("/consumer/", StringComparison.Ordinal))
            {
                yield return $"Kinesis:ConsumerArn must be a consumer ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/STREAM/consumer/NAME:TIME); it is '{options.ConsumerArn}'.";
            }
            else if (!string.IsNullOrWhiteSpace(options.StreamName) && !options.ConsumerArn.Contains(":stream/" + options.StreamName + "/consumer/", StringComparison.Ordinal))
            {
                yield return $"Kinesis:ConsumerArn names a consumer of another stream than Kinesis:StreamName '{options.StreamName}': '{options.ConsumerArn}'.";
            }

            if (!string.IsNullOrEmpty(options.ConsumerName))
            {
                yield return "Set Kinesis:ConsumerName or Kinesis:ConsumerArn, not both: an ARN is used as is, a name is looked up (and registered when missing).";
            }
        }

        if (options.ConsumerRegistrationTimeout <= TimeSpan.Zero)
        {
            yield return $"Kinesis:ConsumerRegistrationTimeout must be positive; it is {options.ConsumerRegistrationTimeout}.";
        }

        if (options.SubscriptionIdleTimeout < TimeSpan.FromSeconds(5))
        {
            yield return $"Kinesis:SubscriptionIdleTimeout must be at least 5 s; it is {options.SubscriptionIdleTimeout}.";
        }

        if (options.CheckpointInterval < TimeSpan.Zero)
        {
            yield return $"Kinesis:CheckpointInterval must not be negative; it is {options.CheckpointInterval}.";
        }

        if (options.QuietBarrierInterval < TimeSpan.Zero)
        {
            yield return $"Kinesis:QuietBarrierInterval must not be negative (zero turns it off); it is {options.QuietBarrierInterval}.";
        }
    }

    /// <summary>What Kinesis accepts as a consumer name: 1 to 128 of <c>[a-zA-Z0-9_.-]</c>.</summary>
    public static bool IsConsumerName(string name) =>
        name.Length is >= 1 and <= 128 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');
}
