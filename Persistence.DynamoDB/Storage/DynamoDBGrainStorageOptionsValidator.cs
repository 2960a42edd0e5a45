using KinesisGrains.DynamoDB;
using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.Persistence.DynamoDB;

/// <summary>
/// Checks a <see cref="DynamoDBGrainStorageOptions"/> when the silo starts, so a mistake stops it with every problem
/// named instead of failing at a grain's first read.
/// </summary>
internal sealed class DynamoDBGrainStorageOptionsValidator(DynamoDBGrainStorageOptions options, string name) : IConfigurationValidator
{
    /// <exception cref="OrleansConfigurationException">Lists every invalid option by name.</exception>
    public void ValidateConfiguration()
    {
        var problems = Problems(options).ToList();
        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException(
                $"Invalid options of DynamoDB grain storage '{name}': {string.Join(" ", problems)}");
        }
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per problem, each naming the option; values of secrets never appear.</summary>
    public static IEnumerable<string> Problems(DynamoDBGrainStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        foreach (var problem in DynamoDBTableOptionsValidation.Problems(options))
        {
            yield return problem;
        }

        if (options.ServiceId is null)
        {
            yield return $"{nameof(options.ServiceId)} cannot be null; leave it empty for no prefix.";
        }

        // DynamoDB's time to live counts whole seconds.
        if (options.TimeToLive is { } ttl && ttl < TimeSpan.FromSeconds(1))
        {
            yield return $"{nameof(options.TimeToLive)} must be at least one second, or null for no expiry; it is {ttl}.";
        }

        if (options.GrainStorageSerializer is null)
        {
            yield return $"{nameof(options.GrainStorageSerializer)} is required (the silo sets its default one when the storage is added with AddDynamoDBGrainStorage).";
        }
    }
}
