using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;

namespace KinesisGrains.DynamoDB;

/// <summary>
/// The one place DynamoDB clients are made: leases, membership, grain storage and the snapshot fence share its
/// endpoint, credential and retry rules.
/// </summary>
internal static class DynamoDBClientFactory
{
    /// <summary>True when <paramref name="service"/> is an endpoint URL rather than a region name.</summary>
    public static bool IsEndpoint(string service) =>
        service.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
        || service.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>A client for the table options' service and credentials.</summary>
    public static IAmazonDynamoDB Create(DynamoDBTableOptions options) =>
        Create(options.Service, options.AccessKey, options.SecretKey, options.Token, options.ProfileName, credentials: options.Credentials);

    /// <summary>A client for the leases' <c>DynamoDB:</c> section.</summary>
    public static IAmazonDynamoDB Create(DynamoDBOptions options) =>
        Create(options.ServiceUrl?.ToString() ?? options.Region, options.AccessKeyId, options.SecretAccessKey, token: null, profileName: null, options.Region, options.Credentials);

    /// <param name="service">An AWS region such as <c>us-east-1</c>, or an http(s) endpoint URL (an emulator).</param>
    /// <param name="accessKey">With <paramref name="secretKey"/>: static credentials; otherwise the profile or the default chain.</param>
    /// <param name="secretKey">The secret of <paramref name="accessKey"/>.</param>
    /// <param name="token">A session token with temporary credentials.</param>
    /// <param name="profileName">A profile of the shared AWS credentials file.</param>
    /// <param name="authenticationRegion">The region requests to an endpoint URL are signed for.</param>
    /// <param name="credentials">Credentials the host built (an assumed role); when set, they win over the keys and the profile.</param>
    public static IAmazonDynamoDB Create(
        string service, string? accessKey, string? secretKey, string? token, string? profileName, string? authenticationRegion = null, AWSCredentials? credentials = null)
    {
        // Explicit retries matter: left unset, the SDK took ~100 s to give up on a refused connection, against ~6 s with 3.
        var config = new AmazonDynamoDBConfig { MaxErrorRetry = 3, Timeout = TimeSpan.FromSeconds(20) };
        if (IsEndpoint(service))
        {
            config.ServiceURL = service;
            if (authenticationRegion is not null)
            {
                config.AuthenticationRegion = authenticationRegion;
            }
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(service);
        }

        return (credentials ?? Credentials(service, accessKey, secretKey, token, profileName)) is { } signing
            ? new AmazonDynamoDBClient(signing, config)
            : new AmazonDynamoDBClient(config);
    }

    private static AWSCredentials? Credentials(string service, string? accessKey, string? secretKey, string? token, string? profileName)
    {
        if (!string.IsNullOrEmpty(accessKey) && !string.IsNullOrEmpty(secretKey))
        {
            return string.IsNullOrEmpty(token)
                ? new BasicAWSCredentials(accessKey, secretKey)
                : new SessionAWSCredentials(accessKey, secretKey, token);
        }

        if (!string.IsNullOrEmpty(profileName))
        {
            return new CredentialProfileStoreChain().TryGetAWSCredentials(profileName, out var profile)
                ? profile
                : throw new InvalidOperationException($"The AWS profile '{profileName}' (ProfileName) has no usable credentials.");
        }

        // An emulator takes any signature; the default chain would fail on a machine without AWS credentials.
        return IsEndpoint(service) && IsLoopback(service) ? new BasicAWSCredentials("local", "local") : null;
    }

    private static bool IsLoopback(string service) =>
        Uri.TryCreate(service, UriKind.Absolute, out var uri) && uri.IsLoopback;
}
