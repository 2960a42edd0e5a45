using Amazon.Runtime;

namespace KinesisGrains.Aws;

/// <summary>The one rule every client of a silo builds its credentials by: a section's keys, then its role on top.</summary>
public static class AwsCredentialsResolver
{
    /// <summary>
    /// The credentials a client of a section signs with: the role assumed with the section's keys (or the default chain,
    /// or a web identity token) when <paramref name="role"/> is set; else the keys; else null (the client's own default:
    /// the chain, or an emulator's any-key).
    /// </summary>
    public static AWSCredentials? Resolve(string? accessKeyId, string? secretAccessKey, string? sessionToken, AssumeRoleOptions? role, string region)
    {
        var keys = string.IsNullOrEmpty(accessKeyId) || string.IsNullOrEmpty(secretAccessKey) ? null
            : string.IsNullOrEmpty(sessionToken) ? new BasicAWSCredentials(accessKeyId, secretAccessKey)
            : (AWSCredentials)new SessionAWSCredentials(accessKeyId, secretAccessKey, sessionToken);
        return role is { IsSet: true } ? new AssumedRoleCredentials(role, keys, region) : keys;
    }
}
