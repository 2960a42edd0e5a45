using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;

namespace KinesisGrains.DynamoDb.Persistence;

/// <summary>
/// Builds the SDK client from <see cref="DynamoDbGrainStorageOptions"/>: <c>Service</c> is a region or an endpoint URL,
/// and the credentials are the keys (with the session token, if any), else the named profile, else the AWS default
/// chain. Runtime.Kinesis' client factory takes neither session tokens nor profiles, hence this one.
/// </summary>
internal static class GrainStorageClientFactory
{
    public static bool IsEndpoint(string service) =>
        service.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
        || service.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    public static IAmazonDynamoDB Create(DynamoDbGrainStorageOptions options) =>
        Create(options.Service, options.AccessKey, options.SecretKey, options.Token, options.ProfileName);

    /// <summary>The same for any options with Orleans' DynamoDB client settings (grain storage, clustering).</summary>
    public static IAmazonDynamoDB Create(string service, string? accessKey, string? secretKey, string? token, string? profileName)
    {
        // As Runtime.Kinesis' client. Explicit retries also matter: left unset, the SDK took ~100 s to give up on a
        // refused connection, against ~6 s with 3.
        var config = new AmazonDynamoDBConfig { MaxErrorRetry = 3, Timeout = TimeSpan.FromSeconds(20) };
        if (IsEndpoint(service))
        {
            config.ServiceURL = service;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(service);
        }

        return Credentials(service, accessKey, secretKey, token, profileName) is { } credentials ? new AmazonDynamoDBClient(credentials, config) : new AmazonDynamoDBClient(config);
    }

    /// <summary>The credentials the options name; null for the SDK's default chain.</summary>
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
                : throw new InvalidOperationException(
                    $"The AWS profile '{profileName}' (ProfileName) has no usable credentials.");
        }

        // An emulator takes any signature; the default chain would fail on a machine without AWS credentials.
        return IsEndpoint(service) && IsLoopback(service) ? new BasicAWSCredentials("local", "local") : null;
    }

    private static bool IsLoopback(string service) =>
        Uri.TryCreate(service, UriKind.Absolute, out var uri) && uri.IsLoopback;
}
