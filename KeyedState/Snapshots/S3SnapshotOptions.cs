namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>Where and how <see cref="S3SnapshotStore"/> keeps snapshots. Leave the keys empty to use the AWS default credentials chain.</summary>
public sealed class S3SnapshotOptions
{
    public const long MiB = 1024 * 1024;

    /// <summary>S3's smallest part, except the last one of an upload.</summary>
    public const long MinPartSizeBytes = 5 * MiB;

    /// <summary>S3's largest single PUT and largest part.</summary>
    public const long MaxObjectPartBytes = 5 * 1024 * MiB;

    public string Bucket { get; set; } = "";

    /// <summary>Key prefix of every object, without leading or trailing '/'; empty puts partitions at the bucket root.</summary>
    public string Prefix { get; set; } = "snapshots";

    /// <summary>An endpoint override (a local emulator); null for the AWS endpoint of <see cref="Region"/>.</summary>
    public Uri? ServiceUrl { get; set; }

    public string Region { get; set; } = "us-east-1";

    public string? AccessKeyId { get; set; }

    public string? SecretAccessKey { get; set; }

    public string? SessionToken { get; set; }

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

    /// <summary>Manifests <see cref="S3SnapshotStore.PruneAsync"/> keeps per partition, newest first.</summary>
    public int SnapshotsToRetain { get; set; } = 3;

    /// <summary>
    /// Prune deletes an object no retained snapshot names only once it is older than this (by its S3 LastModified):
    /// files a writer uploaded for a manifest it has not committed yet are never taken from under it. Longer than any
    /// snapshot upload takes.
    /// </summary>
    public TimeSpan PruneGracePeriod { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Every problem found, each a sentence naming the setting (never a key's value); empty when usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();

        // The bucket naming rules of S3 (virtual-host safe subset); catches typos before the first request does.
        if (string.IsNullOrWhiteSpace(Bucket))
        {
            errors.Add($"{nameof(Bucket)} is required.");
        }
        else if (Bucket.Length is < 3 or > 63 || Bucket.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.')))
        {
            errors.Add($"{nameof(Bucket)} '{Bucket}' is not a valid bucket name: 3 to 63 lowercase letters, digits, '-' or '.'.");
        }

        if (Prefix is null)
        {
            errors.Add($"{nameof(Prefix)} must not be null; use \"\" for the bucket root.");
        }
        else if (Prefix.StartsWith('/') || Prefix.EndsWith('/') || Prefix.Contains("//", StringComparison.Ordinal))
        {
            errors.Add($"{nameof(Prefix)} '{Prefix}' must not start or end with '/' or contain '//'.");
        }

        if (ServiceUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"{nameof(ServiceUrl)} must be an absolute http or https URL (got '{url}').");
        }

        if (string.IsNullOrWhiteSpace(Region))
        {
            errors.Add($"{nameof(Region)} is required (e.g. \"us-east-1\"); it is part of every request signature.");
        }

        var hasKeyId = !string.IsNullOrEmpty(AccessKeyId);
        var hasSecret = !string.IsNullOrEmpty(SecretAccessKey);
        if (hasKeyId != hasSecret)
        {
            errors.Add(hasKeyId
                ? $"{nameof(AccessKeyId)} is set but {nameof(SecretAccessKey)} is missing: set both, or neither to use the default AWS credentials chain."
                : $"{nameof(SecretAccessKey)} is set but {nameof(AccessKeyId)} is missing: set both, or neither to use the default AWS credentials chain.");
        }

        if (!string.IsNullOrEmpty(SessionToken) && !hasKeyId)
        {
            errors.Add($"{nameof(SessionToken)} needs {nameof(AccessKeyId)} and {nameof(SecretAccessKey)} as well.");
        }

        if (MultipartThresholdBytes is < 1 or > MaxObjectPartBytes)
        {
            errors.Add($"{nameof(MultipartThresholdBytes)} must be between 1 byte and 5 GiB, the largest single PUT (got {MultipartThresholdBytes}).");
        }

        if (PartSizeBytes is < MinPartSizeBytes or > MaxObjectPartBytes)
        {
            errors.Add($"{nameof(PartSizeBytes)} must be between 5 MiB and 5 GiB, the part sizes S3 accepts (got {PartSizeBytes}).");
        }

        if (UploadConcurrency is < 1 or > 256)
        {
            errors.Add($"{nameof(UploadConcurrency)} must be between 1 and 256 (got {UploadConcurrency}).");
        }

        if (UploadAttemptTimeout <= TimeSpan.Zero || UploadAttemptTimeout == Timeout.InfiniteTimeSpan)
        {
            errors.Add($"{nameof(UploadAttemptTimeout)} must be positive and finite (got {UploadAttemptTimeout}): it is what ends a hung transfer.");
        }

        if (MaxAttempts < 1)
        {
            errors.Add($"{nameof(MaxAttempts)} must be at least 1 (got {MaxAttempts}).");
        }

        if (RetryBaseDelay < TimeSpan.Zero)
        {
            errors.Add($"{nameof(RetryBaseDelay)} must not be negative (got {RetryBaseDelay}).");
        }

        if (SnapshotsToRetain < 1)
        {
            errors.Add($"{nameof(SnapshotsToRetain)} must be at least 1 (got {SnapshotsToRetain}): pruning must never delete the newest snapshot.");
        }

        if (PruneGracePeriod < TimeSpan.Zero)
        {
            errors.Add($"{nameof(PruneGracePeriod)} must not be negative (got {PruneGracePeriod}).");
        }

        return errors;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem <see cref="Validate"/> finds.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid S3 snapshot options: " + string.Join(" ", errors));
        }
    }
}
