namespace KinesisGrains.Kinesis.Leasing;

/// <summary>Where the lease and checkpoint tables live. Leave the keys empty to use the AWS default credentials chain.</summary>
public sealed class DynamoDbOptions
{
    /// <summary>An endpoint override (a local emulator); null for the AWS endpoint of <see cref="Region"/>.</summary>
    public Uri? ServiceUrl { get; set; }

    public string Region { get; set; } = "us-east-1";

    public string? AccessKeyId { get; set; }

    public string? SecretAccessKey { get; set; }

    public IEnumerable<string> Validate()
    {
        if (ServiceUrl is { IsAbsoluteUri: false } or { Scheme: not ("http" or "https") })
        {
            yield return $"DynamoDb:ServiceUrl must be an absolute http(s) URL; it is '{ServiceUrl}'.";
        }

        if (string.IsNullOrWhiteSpace(Region))
        {
            yield return "DynamoDb:Region is required.";
        }

        if (string.IsNullOrEmpty(AccessKeyId) != string.IsNullOrEmpty(SecretAccessKey))
        {
            yield return "DynamoDb:AccessKeyId and DynamoDb:SecretAccessKey go together: set both or neither.";
        }
    }
}
