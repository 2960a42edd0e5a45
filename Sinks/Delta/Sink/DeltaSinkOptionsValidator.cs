using KinesisGrains.Abstractions.Sinks;
using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// The rules of <see cref="DeltaSinkOptions"/>, checked when the silo starts (<c>AddDeltaSink</c> registers it) and when
/// a <see cref="DeltaSinkRuntime"/> is made from them, so a mistake is named before the first request.
/// </summary>
internal sealed class DeltaSinkOptionsValidator(DeltaSinkOptions options) : IConfigurationValidator
{
    /// <exception cref="OrleansConfigurationException">Lists every invalid option.</exception>
    public void ValidateConfiguration()
    {
        var problems = Problems(options).ToList();
        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"Invalid Delta sink options{(string.IsNullOrEmpty(options.Name) ? "" : $" (Sinks:{options.Name})")}: {string.Join(" ", problems)}");
        }
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per problem, each naming the option; values of keys never appear.</summary>
    public static IEnumerable<string> Problems(DeltaSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        foreach (var (name, value) in new[] { (nameof(options.Name), options.Name), (nameof(options.Application), options.Application), (nameof(options.StateName), options.StateName) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                yield return $"{name} is required.";
            }
            else if (value.Contains('/'))
            {
                yield return $"{name} '{value}' must not contain '/': it is a part of the txn appIds {{Application}}/{{Name}}/{{StateName}}/{{partition}}.";
            }
        }

        if (!Enum.IsDefined(options.Output))
        {
            yield return $"{nameof(options.Output)} must be Emitted or Changelog (got {options.Output}).";
        }

        if (!Enum.IsDefined(options.Mode))
        {
            yield return $"{nameof(options.Mode)} must be Append or Merge (got {options.Mode}).";
        }
        else if (options.Mode == DeltaSinkMode.Merge && options.Output != SinkOutputKind.Changelog)
        {
            yield return $"{nameof(options.Mode)} Merge needs {nameof(options.Output)} Changelog: it keeps one row per key, and emitted rows are not keyed states.";
        }

        if (options.MergeBuckets < 1)
        {
            yield return $"{nameof(options.MergeBuckets)} must be at least 1 (got {options.MergeBuckets}).";
        }

        if (string.IsNullOrWhiteSpace(options.Bucket))
        {
            yield return $"{nameof(options.Bucket)} is required.";
        }
        else if (options.Bucket.Length is < 3 or > 63 || options.Bucket.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.')))
        {
            yield return $"{nameof(options.Bucket)} '{options.Bucket}' is not a valid bucket name: 3 to 63 lowercase letters, digits, '-' or '.'.";
        }

        if (options.Path is null)
        {
            yield return $"{nameof(options.Path)} must not be null; use \"\" for the bucket root.";
        }
        else if (options.Path.StartsWith('/') || options.Path.EndsWith('/') || options.Path.Contains("//", StringComparison.Ordinal))
        {
            yield return $"{nameof(options.Path)} '{options.Path}' must not start or end with '/' or contain '//'.";
        }

        foreach (var spec in options.PartitionColumns ?? [])
        {
            string? problem = null;
            try
            {
                DeltaPartitionColumn.Parse(spec);
            }
            catch (ArgumentException e)
            {
                problem = e.Message.Split(" (Parameter", 2)[0];
            }

            if (problem is not null)
            {
                yield return $"{nameof(options.PartitionColumns)}: {problem}";
            }
        }

        if (options.TargetFileSize < DeltaSinkOptions.MiB)
        {
            yield return $"{nameof(options.TargetFileSize)} must be at least 1 MiB (got {options.TargetFileSize}).";
        }

        if (options.CheckpointInterval < 0)
        {
            yield return $"{nameof(options.CheckpointInterval)} must not be negative (got {options.CheckpointInterval}); 0 writes no checkpoints.";
        }

        if (!Enum.IsDefined(options.LogStore))
        {
            yield return $"{nameof(options.LogStore)} must be S3 or DynamoDB (got {options.LogStore}).";
        }

        if (options.LogStore == DeltaLogStoreKind.DynamoDB && string.IsNullOrWhiteSpace(options.LogTableName))
        {
            yield return $"{nameof(options.LogTableName)} is required with the DynamoDB log store.";
        }

        if (options.LogTablePath is { } tablePath && (tablePath.EndsWith('/') || !tablePath.Contains("://", StringComparison.Ordinal)))
        {
            yield return $"{nameof(options.LogTablePath)} '{tablePath}' must be a URI such as s3a://bucket/path, without a trailing '/'.";
        }

        foreach (var (name, url) in new[] { (nameof(options.ServiceUrl), options.ServiceUrl), (nameof(options.DynamoDBServiceUrl), options.DynamoDBServiceUrl) })
        {
            if (url is not null && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
            {
                yield return $"{name} must be an absolute http or https URL (got '{url}').";
            }
        }

        if (string.IsNullOrWhiteSpace(options.Region))
        {
            yield return $"{nameof(options.Region)} is required (e.g. \"us-east-1\"); it is part of every request signature.";
        }

        var hasKeyId = !string.IsNullOrEmpty(options.AccessKeyId);
        var hasSecret = !string.IsNullOrEmpty(options.SecretAccessKey);
        if (hasKeyId != hasSecret)
        {
            yield return hasKeyId
                ? $"{nameof(options.AccessKeyId)} is set but {nameof(options.SecretAccessKey)} is missing: set both, or neither to use the default AWS credentials chain."
                : $"{nameof(options.SecretAccessKey)} is set but {nameof(options.AccessKeyId)} is missing: set both, or neither to use the default AWS credentials chain.";
        }

        if (!string.IsNullOrEmpty(options.SessionToken) && !hasKeyId)
        {
            yield return $"{nameof(options.SessionToken)} needs {nameof(options.AccessKeyId)} and {nameof(options.SecretAccessKey)} as well.";
        }

        if (options.RequestTimeout <= TimeSpan.Zero || options.RequestTimeout == Timeout.InfiniteTimeSpan)
        {
            yield return $"{nameof(options.RequestTimeout)} must be positive and finite (got {options.RequestTimeout}).";
        }

        if (options.CommitInterval < TimeSpan.Zero || options.CommitInterval == Timeout.InfiniteTimeSpan)
        {
            yield return $"{nameof(options.CommitInterval)} must be zero (every barrier) or positive and finite (got {options.CommitInterval}).";
        }
    }
}
