using Amazon;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace KinesisGrains.Aws;

/// <summary>
/// Credentials of an assumed IAM role (STS AssumeRole, signed by the source credentials, with the external id), or of a
/// web identity (AssumeRoleWithWebIdentity with the token file read at each refresh). The SDK's refreshing base asks
/// for new ones five minutes before they expire, so a long-running silo never signs with expired keys.
/// </summary>
public sealed class AssumedRoleCredentials : RefreshingAWSCredentials
{
    private readonly AssumeRoleOptions _options;
    private readonly AmazonSecurityTokenServiceClient _sts;

    /// <param name="options">The role; <see cref="AssumeRoleOptions.IsSet"/> must be true.</param>
    /// <param name="source">What signs AssumeRole: explicit keys, or null for the default chain (unused with a web identity).</param>
    /// <param name="region">The region whose STS endpoint is called (and signed for, with an explicit endpoint).</param>
    public AssumedRoleCredentials(AssumeRoleOptions options, AWSCredentials? source, string region)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsSet)
        {
            throw new ArgumentException("No RoleArn to assume.", nameof(options));
        }

        _options = options;
        var config = new AmazonSecurityTokenServiceConfig { MaxErrorRetry = 3, Timeout = TimeSpan.FromSeconds(20) };
        if (options.StsServiceUrl is { } url)
        {
            config.ServiceURL = url.ToString();
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        // AssumeRoleWithWebIdentity is unsigned: the token is the proof.
        _sts = options.WebIdentityTokenFile is not null ? new AmazonSecurityTokenServiceClient(new AnonymousAWSCredentials(), config)
            : source is not null ? new AmazonSecurityTokenServiceClient(source, config)
            : new AmazonSecurityTokenServiceClient(config);
        PreemptExpiryTime = TimeSpan.FromMinutes(5);
    }

    /// <summary>The role these credentials are for (never a secret).</summary>
    public string RoleArn => _options.RoleArn!;

    /// <summary>Asks STS for the role's next keys (blocking; the SDK calls the async one where it can).</summary>
    protected override CredentialsRefreshState GenerateNewCredentials() =>
        GenerateNewCredentialsAsync().GetAwaiter().GetResult();

    /// <summary>Asks STS for the role's next keys: AssumeRole, or AssumeRoleWithWebIdentity with the token file as it is now.</summary>
    protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
    {
        var seconds = (int)_options.RoleDuration.TotalSeconds;
        Credentials credentials;
        if (_options.WebIdentityTokenFile is { } tokenFile)
        {
            var token = (await File.ReadAllTextAsync(tokenFile).ConfigureAwait(false)).Trim();
            var response = await _sts.AssumeRoleWithWebIdentityAsync(new AssumeRoleWithWebIdentityRequest
            {
                RoleArn = _options.RoleArn,
                RoleSessionName = _options.SessionName,
                WebIdentityToken = token,
                DurationSeconds = seconds,
            }).ConfigureAwait(false);
            credentials = response.Credentials;
        }
        else
        {
            var response = await _sts.AssumeRoleAsync(new AssumeRoleRequest
            {
                RoleArn = _options.RoleArn,
                RoleSessionName = _options.SessionName,
                ExternalId = string.IsNullOrEmpty(_options.ExternalId) ? null : _options.ExternalId,
                DurationSeconds = seconds,
            }).ConfigureAwait(false);
            credentials = response.Credentials;
        }

        var expiration = credentials.Expiration is { } at ? at.ToUniversalTime() : DateTime.UtcNow + _options.RoleDuration;
        return new CredentialsRefreshState(new ImmutableCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken), expiration);
    }
}
