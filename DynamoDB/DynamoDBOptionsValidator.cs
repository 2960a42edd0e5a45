using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.DynamoDB;

/// <summary>
/// The rules of <see cref="DynamoDBOptions"/>; the Kinesis stream provider's validator checks them as part of its
/// options, at silo start.
/// </summary>
/// <remarks>Messages carry the <c>DynamoDB:</c> section of the silo's configuration, which prints them as they are.</remarks>
internal sealed class DynamoDBOptionsValidator(DynamoDBOptions options) : IConfigurationValidator
{
    /// <exception cref="OrleansConfigurationException">Lists every invalid option.</exception>
    public void ValidateConfiguration()
    {
        var problems = Problems(options).ToList();
        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"Invalid DynamoDB options: {string.Join(" ", problems)}");
        }
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per problem, each naming the option; values of keys never appear.</summary>
    public static IEnumerable<string> Problems(DynamoDBOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (options.ServiceUrl is { IsAbsoluteUri: false } or { Scheme: not ("http" or "https") })
        {
            yield return $"DynamoDB:ServiceUrl must be an absolute http(s) URL; it is '{options.ServiceUrl}'.";
        }

        if (string.IsNullOrWhiteSpace(options.Region))
        {
            yield return "DynamoDB:Region is required.";
        }

        if (string.IsNullOrEmpty(options.AccessKeyId) != string.IsNullOrEmpty(options.SecretAccessKey))
        {
            yield return "DynamoDB:AccessKeyId and DynamoDB:SecretAccessKey go together: set both or neither.";
        }
    }
}
