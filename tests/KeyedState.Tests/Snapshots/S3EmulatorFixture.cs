using Amazon.S3;
using Amazon.S3.Model;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.Testing;

namespace KinesisGrains.KeyedState.Tests.Snapshots;

/// <summary>One s3rver per test class; every test gets its own bucket, so tests never see each other's objects.</summary>
public sealed class S3EmulatorFixture : IDisposable
{
    private readonly EmulatorEnvironment _environment = EmulatorEnvironment.Start("s3rver");
    private int _buckets;

    public S3EmulatorFixture()
    {
        Client = S3ClientFactory.Create(Options("unused"));
    }

    /// <summary>A client set up like the store's, to look at and tamper with objects.</summary>
    public IAmazonS3 Client { get; }

    public Uri Endpoint => _environment.S3;

    /// <summary>Options for a new, empty bucket; <paramref name="configure"/> runs before the bucket is created.</summary>
    public async Task<S3SnapshotOptions> NewBucketAsync(Action<S3SnapshotOptions>? configure = null)
    {
        var options = Options($"snapshots-{Interlocked.Increment(ref _buckets)}-{Guid.NewGuid():N}"[..40]);
        configure?.Invoke(options);
        await Client.PutBucketAsync(new PutBucketRequest { BucketName = options.Bucket });
        return options;
    }

    public S3SnapshotOptions Options(string bucket) => new()
    {
        Bucket = bucket,
        ServiceUrl = _environment.S3,
        AccessKeyId = "S3RVER",
        SecretAccessKey = "S3RVER",
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
    };

    public async Task<byte[]> GetBytesAsync(string bucket, string key)
    {
        using var response = await Client.GetObjectAsync(bucket, key);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    public async Task PutBytesAsync(string bucket, string key, byte[] content)
    {
        using var body = new MemoryStream(content);
        await Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = body, UseChunkEncoding = false });
    }

    public async Task<bool> ExistsAsync(string bucket, string key)
    {
        try
        {
            await Client.GetObjectMetadataAsync(bucket, key);
            return true;
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task<List<string>> KeysAsync(string bucket, string prefix = "")
    {
        var response = await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix });
        return response.S3Objects?.Select(o => o.Key).Order(StringComparer.Ordinal).ToList() ?? [];
    }

    public void Dispose()
    {
        Client.Dispose();
        _environment.Dispose();
    }
}
