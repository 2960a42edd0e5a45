namespace KinesisGrains.MultiProcess;

/// <summary>
/// What every silo process of one local cluster shares (the fault tests and the cluster benchmark): DynamoDB membership,
/// leases and snapshots on the emulators, and logs with timestamps to read a hand-over by.
/// </summary>
internal static class ClusterSiloSettings
{
    public static Dictionary<string, string> For(string stream, Uri kinesis, Uri dynamoDb, Uri s3) => new()
    {
        ["Silo:ApplicationName"] = "app-" + stream,
        ["Silo:ClusterId"] = "c-" + stream,
        ["Silo:Clustering"] = "DynamoDB",
        ["Silo:MembershipTableName"] = "silos-" + stream,
        ["Kinesis:StreamName"] = stream,
        ["Kinesis:ServiceUrl"] = kinesis.ToString(),
        ["Kinesis:AccessKeyId"] = "local",
        ["Kinesis:SecretAccessKey"] = "local",
        ["Kinesis:InitialPosition"] = "TRIM_HORIZON",
        ["DynamoDB:ServiceUrl"] = dynamoDb.ToString(),
        ["DynamoDB:AccessKeyId"] = "local",
        ["DynamoDB:SecretAccessKey"] = "local",
        ["Snapshots:Bucket"] = stream,
        ["Snapshots:ServiceUrl"] = s3.ToString(),
        ["Snapshots:AccessKeyId"] = "S3RVER",
        ["Snapshots:SecretAccessKey"] = "S3RVER",
        ["Snapshots:CreateBucketIfMissing"] = "true",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:KinesisGrains"] = "Information",
        ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss.fff ",
    };
}
