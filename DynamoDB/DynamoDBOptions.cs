namespace KinesisGrains.DynamoDB;

/// <summary>Where the lease and checkpoint tables live. Leave the keys empty to use the AWS default credentials chain.</summary>
public sealed class DynamoDBOptions
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
            yield return $"DynamoDB:ServiceUrl must be an absolute http(s) URL; it is '{ServiceUrl}'.";
        }

        if (string.IsNullOrWhiteSpace(Region))
        {
            yield return "DynamoDB:Region is required.";
        }

        if (string.IsNullOrEmpty(AccessKeyId) != string.IsNullOrEmpty(SecretAccessKey))
        {
            yield return "DynamoDB:AccessKeyId and DynamoDB:SecretAccessKey go together: set both or neither.";
        }
    }
}
