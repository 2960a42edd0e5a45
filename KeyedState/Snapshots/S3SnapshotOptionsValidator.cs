using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// The rules of <see cref="S3SnapshotOptions"/>, checked when the silo starts (AddKeyedState registers it) and when a
/// <see cref="S3SnapshotStore"/> or an S3 client is made from them, so a mistake is named before the first request.
/// </summary>
internal sealed class S3SnapshotOptionsValidator(S3SnapshotOptions options) : IConfigurationValidator
{
    /// <exception cref="OrleansConfigurationException">Lists every invalid option.</exception>
    public void ValidateConfiguration()
    {
        var problems = Problems(options).ToList();
        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"Invalid S3 snapshot options: {string.Join(" ", problems)}");
        }
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per problem, each naming the option; values of keys never appear.</summary>
    public static IEnumerable<string> Problems(S3SnapshotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // The bucket naming rules of S3 (virtual-host safe subset); catches typos before the first request does.
        if (string.IsNullOrWhiteSpace(options.Bucket))
        {
            yield return $"{nameof(options.Bucket)} is required.";
        }
        else if (options.Bucket.Length is < 3 or > 63 || options.Bucket.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.')))
        {
            yield return $"{nameof(options.Bucket)} '{options.Bucket}' is not a valid bucket name: 3 to 63 lowercase letters, digits, '-' or '.'.";
        }

        if (options.Prefix is null)
        {
            yield return $"{nameof(options.Prefix)} must not be null; use \"\" for the bucket root.";
        }
        else if (options.Prefix.StartsWith('/') || options.Prefix.EndsWith('/') || options.Prefix.Contains("//", StringComparison.Ordinal))
        {
            yield return $"{nameof(options.Prefix)} '{options.Prefix}' must not start or end with '/' or contain '//'.";
        }

        if (options.ServiceUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            yield return $"{nameof(options.ServiceUrl)} must be an absolute http or https URL (got '{url}').";
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

        if (options.MultipartThresholdBytes is < 1 or > S3SnapshotOptions.MaxObjectPartBytes)
        {
            yield return $"{nameof(options.MultipartThresholdBytes)} must be between 1 byte and 5 GiB, the largest single PUT (got {options.MultipartThresholdBytes}).";
        }

        if (options.PartSizeBytes is < S3SnapshotOptions.MinPartSizeBytes or > S3SnapshotOptions.MaxObjectPartBytes)
        {
            yield return $"{nameof(options.PartSizeBytes)} must be between 5 MiB and 5 GiB, the part sizes S3 accepts (got {options.PartSizeBytes}).";
        }

        if (options.UploadConcurrency is < 1 or > 256)
        {
            yield return $"{nameof(options.UploadConcurrency)} must be between 1 and 256 (got {options.UploadConcurrency}).";
        }

        if (options.UploadAttemptTimeout <= TimeSpan.Zero || options.UploadAttemptTimeout == Timeout.InfiniteTimeSpan)
        {
            yield return $"{nameof(options.UploadAttemptTimeout)} must be positive and finite (got {options.UploadAttemptTimeout}): it is what ends a hung transfer.";
        }

        if (options.MaxAttempts < 1)
        {
            yield return $"{nameof(options.MaxAttempts)} must be at least 1 (got {options.MaxAttempts}).";
        }

        if (options.RetryBaseDelay < TimeSpan.Zero)
        {
            yield return $"{nameof(options.RetryBaseDelay)} must not be negative (got {options.RetryBaseDelay}).";
        }

        if (options.SnapshotsToRetain < 1)
        {
            yield return $"{nameof(options.SnapshotsToRetain)} must be at least 1 (got {options.SnapshotsToRetain}): pruning must never delete the newest snapshot.";
        }

        if (options.PruneGracePeriod < TimeSpan.Zero)
        {
            yield return $"{nameof(options.PruneGracePeriod)} must not be negative (got {options.PruneGracePeriod}).";
        }
    }
}
