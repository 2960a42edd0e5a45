using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Sinks.Delta;

namespace KinesisGrains.Benchmarks.Delta;

/// <summary>Delta sinks as the sink tests set them up: a table on s3rver, commits through the DynamoDB log store on dynalite.</summary>
internal static class BenchDeltaSinks
{
    public const string Bucket = "kgrains-delta-bench";

    /// <summary>An S3 client set up as the sink sets up its own (no aws-chunked bodies, path-style), for the bucket and the yardsticks.</summary>
    public static AmazonS3Client S3(LocalEmulators emulators) => new(new BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config
    {
        ServiceURL = emulators.S3.ToString(),
        AuthenticationRegion = "us-east-1",
        ForcePathStyle = true,
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    public static async Task CreateBucketAsync(LocalEmulators emulators)
    {
        using var s3 = S3(emulators);
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = Bucket });
    }

    /// <summary>A sink of <paramref name="stateName"/>'s <paramref name="output"/> rows to <c>s3://kgrains-delta-bench/tables/{table}</c>, unpartitioned, the library's defaults otherwise (a checkpoint every 10 commits).</summary>
    public static Action<DeltaSinkOptions> Options(LocalEmulators emulators, string table, string stateName, SinkOutputKind output) => o =>
    {
        o.Application = "bench";
        o.StateName = stateName;
        o.Output = output;
        o.Bucket = Bucket;
        o.Path = $"tables/{table}";
        o.LogStore = DeltaLogStoreKind.DynamoDB;
        o.LogTableName = $"delta_log_{table.Replace('-', '_')}";
        o.ServiceUrl = emulators.S3;
        o.DynamoDBServiceUrl = emulators.DynamoDB;
        o.AccessKeyId = "S3RVER";
        o.SecretAccessKey = "S3RVER";
    };
}
