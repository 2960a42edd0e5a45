using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3.Model;
using Amazon.S3;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.Testing;

namespace KinesisGrains.KeyedState.Tests.Snapshots;

/// <summary>s3rver and dynalite for one test class; each test gets its own bucket and pointer table.</summary>
public sealed class FencingEmulatorFixture : IDisposable
{
    private readonly EmulatorEnvironment _environment = EmulatorEnvironment.Start("s3rver", "dynalite");
    private int _count;

    public FencingEmulatorFixture()
    {
        S3 = S3ClientFactory.Create(S3Options("unused"));
        Dynamo = new AmazonDynamoDBClient(
            new BasicAWSCredentials("local", "local"),
            new AmazonDynamoDBConfig { ServiceURL = _environment.DynamoDB.ToString(), AuthenticationRegion = "us-east-1" });
    }

    public IAmazonS3 S3 { get; }

    public IAmazonDynamoDB Dynamo { get; }

    public async Task<S3SnapshotOptions> NewBucketAsync(Action<S3SnapshotOptions>? configure = null)
    {
        var options = S3Options($"fencing-{Interlocked.Increment(ref _count)}-{Guid.NewGuid():N}"[..40]);
        configure?.Invoke(options);
        await S3.PutBucketAsync(new PutBucketRequest { BucketName = options.Bucket });
        return options;
    }

    /// <summary>A fence on a new table (created on first use, as in a silo), or on <paramref name="tableName"/>.</summary>
    public DynamoDBSnapshotFence NewFence(string? tableName = null) =>
        new(Dynamo, new DynamoDBSnapshotFenceOptions { TableName = tableName ?? NewTableName(), KeyPrefix = "test/" });

    public string NewTableName() => $"snapshots-{Interlocked.Increment(ref _count)}-{Guid.NewGuid():N}"[..30];

    public S3SnapshotOptions S3Options(string bucket) => new()
    {
        Bucket = bucket,
        ServiceUrl = _environment.S3,
        AccessKeyId = "S3RVER",
        SecretAccessKey = "S3RVER",
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
    };

    public async Task<bool> ExistsAsync(string bucket, string key)
    {
        try
        {
            await S3.GetObjectMetadataAsync(bucket, key);
            return true;
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task PutBytesAsync(string bucket, string key, byte[] content)
    {
        using var body = new MemoryStream(content);
        await S3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = body, UseChunkEncoding = false });
    }

    public async Task<List<string>> KeysAsync(string bucket, string prefix = "")
    {
        var response = await S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix });
        return response.S3Objects?.Select(o => o.Key).Order(StringComparer.Ordinal).ToList() ?? [];
    }

    public void Dispose()
    {
        S3.Dispose();
        Dynamo.Dispose();
        _environment.Dispose();
    }
}
