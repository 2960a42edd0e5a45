using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace KinesisGrains.Kinesis.Client;

/// <summary>
/// The options' credentials (an assumed role), else their explicit keys, else AWSSDK.Core's default chain
/// (environment, profile, web identity, ECS/EC2).
/// </summary>
internal sealed class KinesisCredentialsProvider
{
    private readonly ImmutableCredentials? _explicit;
    private readonly SemaphoreSlim _resolveLock = new(1, 1);
    private AWSCredentials? _chain;

    public KinesisCredentialsProvider(KinesisClientOptions options)
    {
        // Given credentials (an assumed role) refresh themselves like the chain's: ask them every time.
        _chain = options.Credentials;
        if (_chain is null && !string.IsNullOrEmpty(options.AccessKeyId))
        {
            _explicit = new ImmutableCredentials(options.AccessKeyId, options.SecretAccessKey, options.SessionToken);
        }
    }

    public async ValueTask<ImmutableCredentials> GetAsync(CancellationToken cancellationToken)
    {
        if (_explicit is not null)
        {
            return _explicit;
        }

        // The chain's AWSCredentials refresh themselves (instance roles, SSO), so keep it and ask it every time.
        var chain = _chain ?? await ResolveChainAsync(cancellationToken).ConfigureAwait(false);
        return await chain.GetCredentialsAsync().ConfigureAwait(false);
    }

    private async Task<AWSCredentials> ResolveChainAsync(CancellationToken cancellationToken)
    {
        await _resolveLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_chain is null)
            {
                try
                {
                    _chain = await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync().ConfigureAwait(false);
                }
                catch (AmazonClientException exception)
                {
                    throw new InvalidOperationException(
                        "No AWS credentials for Kinesis: set KinesisClientOptions.AccessKeyId and SecretAccessKey, or configure the default AWS credentials chain.",
                        exception);
                }
            }

            return _chain;
        }
        finally
        {
            _resolveLock.Release();
        }
    }
}
