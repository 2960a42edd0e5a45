using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using KinesisGrains.DynamoDB;
using KinesisGrains.Sinks.Delta;
using KinesisGrains.Tests.Delta.Support;

namespace KinesisGrains.Tests.Delta;

/// <summary>Small Delta tables on s3rver, written with the sink's <see cref="DeltaTable"/> directly, for <c>kgrains delta</c> to maintain.</summary>
internal static class DeltaTestTables
{
    /// <summary>s3rver's only key pair; what the tests give kgrains in $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY.</summary>
    public static readonly IReadOnlyDictionary<string, string> Credentials = new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = "S3RVER",
        ["AWS_SECRET_ACCESS_KEY"] = "S3RVER",
        ["AWS_REGION"] = "us-east-1",
    };

    /// <summary>A client set up as the sink sets up its own (no aws-chunked bodies, path-style).</summary>
    public static AmazonS3Client S3Client(Uri endpoint) => new(new BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config
    {
        ServiceURL = endpoint.ToString(),
        AuthenticationRegion = "us-east-1",
        ForcePathStyle = true,
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    public static IAmazonDynamoDB DynamoDBClient(Uri endpoint) => DynamoDBClientFactory.Create(endpoint.ToString(), "local", "local", null, null, "us-east-1");

    public static async Task CreateBucketAsync(IAmazonS3 s3, string bucket)
    {
        try
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }
    }

    /// <summary>
    /// A table partitioned by region with <paramref name="epochs"/> commits of 6 rows each: one small file per region
    /// (eu, us, null) per commit, so 3 × <paramref name="epochs"/> live files.
    /// </summary>
    /// <param name="logStore">The log store for the table's storage; null for S3 conditional writes.</param>
    public static async Task<DeltaTable> CreateAsync(IAmazonS3 s3, string bucket, string path, int epochs, Func<DeltaTableStorage, IDeltaLogStore>? logStore = null)
    {
        await CreateBucketAsync(s3, bucket);
        var storage = new DeltaTableStorage(s3, bucket, path);
        var table = new DeltaTable(storage, logStore?.Invoke(storage) ?? new S3DeltaLogStore(storage), new DeltaTableOptions { CheckpointInterval = 4 }, TestRows.Definition("region"));
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var adds = await table.WriteFilesAsync(TestRows.Rows(epoch * 6, 6, $"e{epoch}"), default);
            await table.CommitAsync([new DeltaTxnPart("kgrains/cli-tests/state/0", epoch, adds)], default);
        }

        return table;
    }

    /// <summary>Every object under the table's folder (keys relative to it) with its size.</summary>
    public static async Task<SortedDictionary<string, long>> ObjectsAsync(IAmazonS3 s3, string bucket, string path)
    {
        var objects = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = path + "/" };
        ListObjectsV2Response response;
        do
        {
            response = await s3.ListObjectsV2Async(request);
            foreach (var item in response.S3Objects ?? [])
            {
                objects[item.Key[(path.Length + 1)..]] = item.Size ?? 0;
            }

            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);
        return objects;
    }
}
