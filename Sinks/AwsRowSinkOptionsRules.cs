namespace KinesisGrains.Sinks;

/// <summary>The rules of <see cref="AwsRowSinkOptions"/>, which each sink's validator checks first.</summary>
internal static class AwsRowSinkOptionsRules
{
    /// <summary>One sentence per problem, each naming the option as <c>Sinks:{name}:Option</c>; values of keys never appear.</summary>
    public static IEnumerable<string> Problems(AwsRowSinkOptions options)
    {
        var s = options.Section;
        if (string.IsNullOrWhiteSpace(options.Name))
        {
            yield return "A sink's Name (its section under Sinks:) is required.";
        }

        if (string.IsNullOrWhiteSpace(options.StateName))
        {
            yield return $"{s}StateName is required: the keyed state whose rows the sink takes.";
        }

        if (!Enum.IsDefined(options.Output))
        {
            yield return $"{s}Output must be Emitted or Changelog; it is '{options.Output}'.";
        }

        if (options.ServiceUrl is { IsAbsoluteUri: false } or { Scheme: not ("http" or "https") })
        {
            yield return $"{s}ServiceUrl must be an absolute http(s) URL; it is '{options.ServiceUrl}'.";
        }

        if (string.IsNullOrWhiteSpace(options.Region))
        {
            yield return $"{s}Region is required (e.g. us-east-1); requests are signed for it.";
        }
        else if (options.Region.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-')))
        {
            yield return $"{s}Region '{options.Region}' is not a region name: only letters, digits and '-' are allowed.";
        }

        var hasKeyId = !string.IsNullOrEmpty(options.AccessKeyId);
        if (hasKeyId != !string.IsNullOrEmpty(options.SecretAccessKey))
        {
            yield return $"{s}AccessKeyId and {s}SecretAccessKey go together: set both, or neither for the AWS default credentials chain.";
        }

        if (!string.IsNullOrEmpty(options.SessionToken) && !hasKeyId)
        {
            yield return $"{s}SessionToken needs {s}AccessKeyId and {s}SecretAccessKey as well.";
        }

        if (options.MaxAttempts < 1)
        {
            yield return $"{s}MaxAttempts must be at least 1; it is {options.MaxAttempts}.";
        }

        if (options.RetryBaseDelay <= TimeSpan.Zero)
        {
            yield return $"{s}RetryBaseDelay must be positive; it is {options.RetryBaseDelay}.";
        }

        if (options.CommitInterval < TimeSpan.Zero || options.CommitInterval == Timeout.InfiniteTimeSpan)
        {
            yield return $"{s}CommitInterval must be zero (every barrier) or positive and finite; it is {options.CommitInterval}.";
        }

        if (options.MaxRetryDelay < options.RetryBaseDelay)
        {
            yield return $"{s}MaxRetryDelay ({options.MaxRetryDelay}) must not be smaller than {s}RetryBaseDelay ({options.RetryBaseDelay}).";
        }
    }
}
