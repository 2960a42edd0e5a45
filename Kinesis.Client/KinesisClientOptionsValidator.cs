using Microsoft.Extensions.Options;

namespace KinesisGrains.Kinesis.Client;

/// <summary>
/// The rules of <see cref="KinesisClientOptions"/>; a <see cref="KinesisClient"/> refuses options that break them.
/// </summary>
/// <remarks>
/// Microsoft.Extensions.Options' validator rather than Orleans' IConfigurationValidator, because this library has no
/// Orleans reference (the CLI uses it alone): a host that binds the options itself registers it with
/// <c>ValidateOnStart()</c> to refuse them at start, and the Orleans stream provider checks them through
/// <see cref="Problems"/> in its own validator.
/// </remarks>
internal sealed class KinesisClientOptionsValidator : IValidateOptions<KinesisClientOptions>
{
    public ValidateOptionsResult Validate(string? name, KinesisClientOptions options)
    {
        var problems = Problems(options).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per problem, each naming the option; values of keys never appear.</summary>
    public static IEnumerable<string> Problems(KinesisClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (options.ServiceUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            yield return $"{nameof(options.ServiceUrl)} must be an absolute http or https URI (got '{url}').";
        }

        if (string.IsNullOrWhiteSpace(options.Region))
        {
            yield return $"{nameof(options.Region)} is required (e.g. \"us-east-1\"); it is part of every request signature.";
        }
        else if (options.Region.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-')))
        {
            yield return $"{nameof(options.Region)} '{options.Region}' is not a region name: only letters, digits and '-' are allowed.";
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

        if (options.MaxAttempts < 1)
        {
            yield return $"{nameof(options.MaxAttempts)} must be at least 1 (got {options.MaxAttempts}).";
        }

        if (options.RetryBaseDelay < TimeSpan.Zero)
        {
            yield return $"{nameof(options.RetryBaseDelay)} must not be negative (got {options.RetryBaseDelay}).";
        }

        if (options.MaxRetryDelay < options.RetryBaseDelay)
        {
            yield return $"{nameof(options.MaxRetryDelay)} ({options.MaxRetryDelay}) must not be smaller than {nameof(options.RetryBaseDelay)} ({options.RetryBaseDelay}).";
        }

        if (options.ListShardsPageSize is < 1 or > KinesisClientOptions.MaxListShardsPageSize)
        {
            yield return $"{nameof(options.ListShardsPageSize)} must be between 1 and {KinesisClientOptions.MaxListShardsPageSize} (got {options.ListShardsPageSize}).";
        }

        if (options.Http2StreamWindowSize is < 65_535 or > 16 * 1024 * 1024)
        {
            yield return $"{nameof(options.Http2StreamWindowSize)} must be between 65535 and 16777216 bytes (got {options.Http2StreamWindowSize}).";
        }
    }
}
