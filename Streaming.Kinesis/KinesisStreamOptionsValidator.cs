using KinesisGrains.Abstractions.Partitions;
using KinesisGrains.DynamoDB;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Source;
using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.Streaming.Kinesis;

/// <summary>
/// Checks a Kinesis stream provider's options when the silo starts (Orleans runs every registered
/// <see cref="IConfigurationValidator"/> first), so a mistake stops the silo with every problem named.
/// </summary>
/// <param name="hasEventTimeExtractor">The provider was given an event-time extractor (<c>EventTime.Source=Event</c> needs one).</param>
public sealed class KinesisStreamOptionsValidator(KinesisStreamOptions options, string name, bool hasEventTimeExtractor = false) : IConfigurationValidator
{
    /// <exception cref="OrleansConfigurationException">Lists every invalid option.</exception>
    public void ValidateConfiguration()
    {
        var problems = Problems(options).ToList();
        if (options.EventTime is not null && EventTimeOptionsValidator.SourceProblem(options.EventTime, hasEventTimeExtractor) is { } source)
        {
            problems.Add(source);
        }

        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"Invalid options of Kinesis stream provider '{name}': {string.Join(" ", problems)}");
        }
    }

    /// <summary>What is wrong with <paramref name="options"/> and its parts, one sentence per problem, each naming the option; values of keys never appear.</summary>
    public static IEnumerable<string> Problems(KinesisStreamOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        foreach (var problem in KinesisSourceOptionsValidator.Problems(options.Source))
        {
            yield return problem;
        }

        // The client's messages name its settings alone; say whose they are.
        foreach (var problem in KinesisClientOptionsValidator.Problems(options.Client))
        {
            yield return $"{nameof(options.Client)}.{problem}";
        }

        foreach (var problem in DynamoDBOptionsValidator.Problems(options.DynamoDB))
        {
            yield return problem;
        }

        if (options.EventTime is null)
        {
            yield return $"{nameof(options.EventTime)} is required.";
        }
        else
        {
            foreach (var problem in EventTimeOptionsValidator.Problems(options.EventTime))
            {
                yield return problem;
            }
        }

        if (string.IsNullOrWhiteSpace(options.ApplicationName))
        {
            yield return $"{nameof(options.ApplicationName)} is required (it names the lease table).";
        }

        if (string.IsNullOrWhiteSpace(options.StreamNamespace))
        {
            yield return $"{nameof(options.StreamNamespace)} is required.";
        }

        if (options.PartitionCount is < 1 or > PartitionMap.MaxPartitions)
        {
            yield return $"{nameof(options.PartitionCount)} must be between 1 and {PartitionMap.MaxPartitions}; it is {options.PartitionCount}.";
        }

        if (options.CacheSize is < 0 or > 0 and < 10)
        {
            yield return $"{nameof(options.CacheSize)} must be 0 (automatic) or at least 10; it is {options.CacheSize}.";
        }
    }
}
