namespace KinesisGrains.Cli.State;

/// <summary>What <c>kgrains state</c> subcommands were told: the application, its endpoints and overrides.</summary>
internal sealed record StateCommandSettings(
    string Application,
    Uri? DynamoDBEndpoint,
    Uri? S3Endpoint,
    string Region,
    string? Bucket,
    string? Prefix,
    long? SnapshotId)
{
    public string DynamoDBWhere => DynamoDBEndpoint is { } url ? $" at {url.GetLeftPart(UriPartial.Authority)}" : $" in {Region}";
}
