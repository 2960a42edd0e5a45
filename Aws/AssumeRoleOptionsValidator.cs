using System.Text.RegularExpressions;

namespace KinesisGrains.Aws;

/// <summary>The rules of <see cref="AssumeRoleOptions"/>, checked when a silo starts.</summary>
public static partial class AssumeRoleOptionsValidator
{
    /// <summary>What is wrong with <paramref name="options"/>, one sentence per problem, each naming <paramref name="section"/>'s key.</summary>
    public static IEnumerable<string> Problems(AssumeRoleOptions options, string section)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsSet)
        {
            if (options.ExternalId is not null || options.WebIdentityTokenFile is not null || options.RoleSessionName is not null)
            {
                yield return $"{section}:ExternalId, RoleSessionName and WebIdentityTokenFile need {section}:RoleArn.";
            }

            yield break;
        }

        if (!RoleArnPattern().IsMatch(options.RoleArn!))
        {
            yield return $"{section}:RoleArn must be an IAM role ARN such as arn:aws:iam::123456789012:role/name; it is '{options.RoleArn}'.";
        }

        // STS: 2 to 64 characters of [\w+=,.@-].
        if (options.RoleSessionName is { } name && !SessionNamePattern().IsMatch(name))
        {
            yield return $"{section}:RoleSessionName must be 2 to 64 letters, digits or +=,.@_- ; it is '{name}'.";
        }

        if (options.RoleDuration < TimeSpan.FromMinutes(15) || options.RoleDuration > TimeSpan.FromHours(12))
        {
            yield return $"{section}:RoleDuration must be between 15 minutes and 12 hours (what STS accepts); it is {options.RoleDuration}.";
        }

        if (options.WebIdentityTokenFile is { } file && !File.Exists(file))
        {
            yield return $"{section}:WebIdentityTokenFile names a file that does not exist: '{file}'.";
        }

        if (options.StsServiceUrl is { IsAbsoluteUri: false } or { Scheme: not ("http" or "https") })
        {
            yield return $"{section}:StsServiceUrl must be an absolute http(s) URL; it is '{options.StsServiceUrl}'.";
        }
    }

    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")]
    private static partial Regex RoleArnPattern();

    [GeneratedRegex(@"^[\w+=,.@-]{2,64}$")]
    private static partial Regex SessionNamePattern();
}
