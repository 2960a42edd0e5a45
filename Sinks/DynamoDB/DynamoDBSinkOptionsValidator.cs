using KinesisGrains.Abstractions.Sinks;
using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.Sinks.DynamoDB;

/// <summary>The rules of <see cref="DynamoDBSinkOptions"/>, checked at silo start.</summary>
internal sealed class DynamoDBSinkOptionsValidator(DynamoDBSinkOptions options) : IConfigurationValidator
{
    /// <exception cref="OrleansConfigurationException">Lists every invalid option.</exception>
    public void ValidateConfiguration()
    {
        var problems = Problems(options).ToList();
        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"Invalid options of DynamoDB sink '{options.Name}': {string.Join(" ", problems)}");
        }
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per problem, each naming the option; values of keys never appear.</summary>
    public static IEnumerable<string> Problems(DynamoDBSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var s = options.Section;

        foreach (var problem in AwsRowSinkOptionsRules.Problems(options))
        {
            yield return problem;
        }

        if (string.IsNullOrWhiteSpace(options.Table))
        {
            yield return $"{s}Table is required.";
        }
        else if (options.Table.Length is < 3 or > 255 || options.Table.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
        {
            yield return $"{s}Table '{options.Table}' is not a DynamoDB table name: 3 to 255 letters, digits, '_', '-' or '.'.";
        }

        if (string.IsNullOrEmpty(options.KeyAttribute))
        {
            yield return $"{s}KeyAttribute is required (default '{DynamoDBSinkOptions.DefaultKeyAttribute}').";
        }
        else if (options.KeyAttribute.Length > 255)
        {
            yield return $"{s}KeyAttribute is longer than DynamoDB's 255 characters for a key attribute's name.";
        }
        else if (options.KeyAttribute is DynamoDBSink.EpochAttribute or DynamoDBSink.PartitionAttribute)
        {
            yield return $"{s}KeyAttribute cannot be '{options.KeyAttribute}': the sink writes that attribute itself.";
        }

        if (options.KeyColumn is not null)
        {
            if (options.KeyColumn.Length == 0)
            {
                yield return $"{s}KeyColumn is empty: name a string column of the rows, or leave it unset for the state key.";
            }
            else if (options.Output != SinkOutputKind.Emitted)
            {
                yield return $"{s}KeyColumn applies to Output=Emitted only: a changelog's items are keyed by the state key.";
            }
        }

        if (options.MaxParallelWrites is < 1 or > DynamoDBSinkOptions.MaxMaxParallelWrites)
        {
            yield return $"{s}MaxParallelWrites must be between 1 and {DynamoDBSinkOptions.MaxMaxParallelWrites}; it is {options.MaxParallelWrites}.";
        }
    }
}
