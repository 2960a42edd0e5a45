using KinesisGrains.DynamoDB;
using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.Clustering.DynamoDB;

/// <summary>
/// Checks clustering or gateway options when the silo or client starts, so a mistake stops it with every problem named
/// instead of failing at the first membership read.
/// </summary>
internal sealed class DynamoDBSiloTableOptionsValidator(DynamoDBSiloTableOptions options, string name) : IConfigurationValidator
{
    /// <exception cref="OrleansConfigurationException">Lists every invalid option by name.</exception>
    public void ValidateConfiguration()
    {
        var problems = Problems(options).ToList();
        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"Invalid options of {name}: {string.Join(" ", problems)}");
        }
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per problem, each naming the option; values of secrets never appear.</summary>
    public static IEnumerable<string> Problems(DynamoDBSiloTableOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        foreach (var problem in DynamoDBTableOptionsValidation.Problems(options))
        {
            yield return problem;
        }
    }
}
