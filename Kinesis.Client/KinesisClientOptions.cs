namespace KinesisGrains.Kinesis.Client;

/// <summary>Settings of a <see cref="KinesisClient"/>.</summary>
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

    public string? SecretAccessKey { get; set; }

    public string? SessionToken { get; set; }

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

    /// <summary>The endpoint requests are sent to.</summary>
    public Uri ResolveEndpoint() => ServiceUrl ?? new Uri($"https://kinesis.{Region}.amazonaws.com/");

    /// <summary>Throws <see cref="InvalidOperationException"/> describing the first invalid setting.</summary>
    /// <remarks>Messages name the setting, never its value: keys must not end up in logs.</remarks>
    public void Validate()
    {
        if (ServiceUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            throw Invalid($"{nameof(ServiceUrl)} must be an absolute http or https URI (got '{url}').");
        }

        if (string.IsNullOrWhiteSpace(Region))
        {
            throw Invalid($"{nameof(Region)} is required (e.g. \"us-east-1\"); it is part of every request signature.");
        }

        if (Region.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-')))
        {
            throw Invalid($"{nameof(Region)} '{Region}' is not a region name: only letters, digits and '-' are allowed.");
        }

        var hasKeyId = !string.IsNullOrEmpty(AccessKeyId);
        var hasSecret = !string.IsNullOrEmpty(SecretAccessKey);
        if (hasKeyId != hasSecret)
        {
            throw Invalid(hasKeyId
                ? $"{nameof(AccessKeyId)} is set but {nameof(SecretAccessKey)} is missing: set both, or neither to use the default AWS credentials chain."
                : $"{nameof(SecretAccessKey)} is set but {nameof(AccessKeyId)} is missing: set both, or neither to use the default AWS credentials chain.");
        }

        if (!string.IsNullOrEmpty(SessionToken) && !hasKeyId)
        {
            throw Invalid($"{nameof(SessionToken)} needs {nameof(AccessKeyId)} and {nameof(SecretAccessKey)} as well.");
        }

        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout == Timeout.InfiniteTimeSpan)
        {
            throw Invalid($"{nameof(RequestTimeout)} must be positive and finite (got {RequestTimeout}).");
        }

        if (MaxAttempts < 1)
        {
            throw Invalid($"{nameof(MaxAttempts)} must be at least 1 (got {MaxAttempts}).");
        }

        if (RetryBaseDelay < TimeSpan.Zero)
        {
            throw Invalid($"{nameof(RetryBaseDelay)} must not be negative (got {RetryBaseDelay}).");
        }

        if (MaxRetryDelay < RetryBaseDelay)
        {
            throw Invalid($"{nameof(MaxRetryDelay)} ({MaxRetryDelay}) must not be smaller than {nameof(RetryBaseDelay)} ({RetryBaseDelay}).");
        }

        if (ListShardsPageSize is < 1 or > MaxListShardsPageSize)
        {
            throw Invalid($"{nameof(ListShardsPageSize)} must be between 1 and {MaxListShardsPageSize} (got {ListShardsPageSize}).");
        }
    }

    /// <summary>A copy, so a client is not affected by later changes to the options it was given.</summary>
    internal KinesisClientOptions Clone() => (KinesisClientOptions)MemberwiseClone();

    private static InvalidOperationException Invalid(string message) => new("Invalid KinesisClientOptions: " + message);
}
