using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using KinesisGrains.DynamoDB;
using KinesisGrains.Sinks.Delta;
using KinesisGrains.Testing;

namespace KinesisGrains.Tests.Delta.Support;

/// <summary>One s3rver and one dynalite per test class, on free ports of 127.0.0.1; every test gets its own bucket and table path.</summary>
public sealed class DeltaEmulatorFixture : IDisposable
{
    private readonly EmulatorEnvironment _environment = EmulatorEnvironment.Start("s3rver", "dynalite");
    private int _buckets;

    public DeltaEmulatorFixture()
    {
        S3 = NewS3Client();
        DynamoDB = DynamoDBClientFactory.Create(_environment.DynamoDB.ToString(), "local", "local", null, null, "us-east-1");
    }

    public IAmazonS3 S3 { get; }

    public IAmazonDynamoDB DynamoDB { get; }

    public Uri S3Endpoint => _environment.S3;

    public Uri DynamoDBEndpoint => _environment.DynamoDB;

    /// <summary>A client set up as the sink sets up its own (no aws-chunked bodies, path-style).</summary>
    public IAmazonS3 NewS3Client() => new AmazonS3Client(new BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config
    {
        ServiceURL = _environment.S3.ToString(),
        AuthenticationRegion = "us-east-1",
        ForcePathStyle = true,
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    public async Task<string> NewBucketAsync()
    {
        var bucket = $"delta-{Interlocked.Increment(ref _buckets)}-{Guid.NewGuid():N}"[..30];
        await S3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        return bucket;
    }

    /// <summary>A table at <c>tables/t</c> of a new bucket.</summary>
    internal async Task<DeltaTableStorage> NewTableStorageAsync(string root = "tables/t") => new(S3, await NewBucketAsync(), root);

    /// <summary>A DynamoDB log store on its own table (dynalite), for one storage.</summary>
    internal DynamoDBDeltaLogStore DynamoDBLogStore(DeltaTableStorage storage, string table) =>
        new(storage, DynamoDB, new DeltaLogTableOptions { Service = _environment.DynamoDB.ToString(), TableName = table });

    public void Dispose()
    {
        S3.Dispose();
        DynamoDB.Dispose();
        _environment.Dispose();
    }
}
