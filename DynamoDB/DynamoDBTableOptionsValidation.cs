using System.Text.RegularExpressions;


namespace KinesisGrains.DynamoDB;

/// <summary>The checks every <see cref="DynamoDBTableOptions"/> needs, whichever provider it configures.</summary>
internal static partial class DynamoDBTableOptionsValidation
{
    /// <summary>What is wrong with <paramref name="options"/>, one sentence per problem, each naming the option; values of secrets never appear.</summary>
    public static IEnumerable<string> Problems(DynamoDBTableOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (string.IsNullOrWhiteSpace(options.TableName))
        {
            yield return $"{nameof(options.TableName)} is required.";
        }
        else if (!TableNamePattern().IsMatch(options.TableName))
        {
            yield return $"{nameof(options.TableName)} must be 3 to 255 of a-z, A-Z, 0-9, '_', '-' and '.'; it is '{options.TableName}'.";
        }

        if (string.IsNullOrWhiteSpace(options.Service))
        {
            yield return $"{nameof(options.Service)} is required: an AWS region such as 'us-east-1', or an http(s) endpoint URL.";
        }
        else if (DynamoDBClientFactory.IsEndpoint(options.Service))
        {
            if (!Uri.TryCreate(options.Service, UriKind.Absolute, out var endpoint) || string.IsNullOrEmpty(endpoint.Host))
            {
                yield return $"{nameof(options.Service)} is not a valid endpoint URL: '{options.Service}'.";
            }
        }
        else if (!RegionPattern().IsMatch(options.Service))
        {
            yield return $"{nameof(options.Service)} must be an AWS region such as 'us-east-1', or an absolute http(s) endpoint URL; it is '{options.Service}'.";
        }

        if (string.IsNullOrEmpty(options.AccessKey) != string.IsNullOrEmpty(options.SecretKey))
        {
            yield return $"{nameof(options.AccessKey)} and {nameof(options.SecretKey)} go together: set both or neither.";
        }

        if (!string.IsNullOrEmpty(options.Token) && (string.IsNullOrEmpty(options.AccessKey) || string.IsNullOrEmpty(options.SecretKey)))
        {
            yield return $"{nameof(options.Token)} needs {nameof(options.AccessKey)} and {nameof(options.SecretKey)}.";
        }

        if (!string.IsNullOrEmpty(options.ProfileName) && !string.IsNullOrEmpty(options.AccessKey))
        {
            yield return $"Set either {nameof(options.ProfileName)} or {nameof(options.AccessKey)}/{nameof(options.SecretKey)}, not both.";
        }

        if (options.UseProvisionedThroughput)
        {
            if (options.ReadCapacityUnits < 1)
            {
                yield return $"{nameof(options.ReadCapacityUnits)} must be at least 1 with {nameof(options.UseProvisionedThroughput)}; it is {options.ReadCapacityUnits}.";
            }

            if (options.WriteCapacityUnits < 1)
            {
                yield return $"{nameof(options.WriteCapacityUnits)} must be at least 1 with {nameof(options.UseProvisionedThroughput)}; it is {options.WriteCapacityUnits}.";
            }
        }
    }

    // DynamoDB's own rule for table names.
    [GeneratedRegex(@"^[a-zA-Z0-9_.\-]{3,255}$")]
    private static partial Regex TableNamePattern();

    // us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ap-southeast-5, ...
    [GeneratedRegex(@"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$")]
    private static partial Regex RegionPattern();
}
