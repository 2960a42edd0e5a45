using KinesisGrains.Abstractions.ExactlyOnce;
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
/// <param name="eventType">The provider's event type, which every keyed view must key; unchecked when null.</param>
/// <param name="checkpointGates">The keyed state's gate factory, asked whether it can hold the views' checkpoints; none when null.</param>
internal sealed class KinesisStreamOptionsValidator(
    KinesisStreamOptions options, string name, bool hasEventTimeExtractor = false, Type? eventType = null, ICheckpointGateFactory? checkpointGates = null)
    : IConfigurationValidator
{
    /// <exception cref="OrleansConfigurationException">Lists every invalid option.</exception>
    public void ValidateConfiguration()
    {
        var problems = Problems(options).ToList();
        if (options.EventTime is not null && EventTimeOptionsValidator.SourceProblem(options.EventTime, hasEventTimeExtractor) is { } source)
        {
            problems.Add(source);
        }

        problems.AddRange(options.Views
            .Where(v => eventType is not null && v.EventType != eventType)
            .Select(v => $"{nameof(options.Views)}: view '{v.Name}' keys {v.EventType.Name} events, but the provider decodes {eventType!.Name}."));
        if (problems.Count == 0 && checkpointGates is not null)
        {
            problems.AddRange(checkpointGates.Problems(options.Lanes));
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
        else if (options.Source.ConsumerMode == ConsumerMode.Efo && string.IsNullOrEmpty(options.Source.ConsumerName)
            && string.IsNullOrEmpty(options.Source.ConsumerArn) && !KinesisSourceOptionsValidator.IsConsumerName(options.ApplicationName))
        {
            yield return $"Kinesis:ConsumerMode=Efo names its consumer after the application, but '{options.ApplicationName}' is not a consumer name (1 to 128 of a-z, A-Z, 0-9, '_', '.', '-'): set Kinesis:ConsumerName.";
        }

        if (string.IsNullOrWhiteSpace(options.StreamNamespace))
        {
            yield return $"{nameof(options.StreamNamespace)} is required.";
        }

        if (options.PartitionCount is < 1 or > PartitionMap.MaxPartitions)
        {
            yield return $"{nameof(options.PartitionCount)} must be between 1 and {PartitionMap.MaxPartitions}; it is {options.PartitionCount}.";
        }

        foreach (var problem in ViewProblems(options))
        {
            yield return problem;
        }

        if (options.CacheSize is < 0 or > 0 and < 10)
        {
            yield return $"{nameof(options.CacheSize)} must be 0 (automatic) or at least 10; it is {options.CacheSize}.";
        }
    }

    // A view's name is its partition grains' stream namespace: two views, or a view and the primary, on one namespace
    // would feed one grain class two chains of batches of the same shard.
    private static IEnumerable<string> ViewProblems(KinesisStreamOptions options)
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { options.StreamNamespace ?? "" };
        foreach (var view in options.Views)
        {
            if (view is null)
            {
                yield return $"{nameof(options.Views)} holds a null view.";
            }
            else if (string.IsNullOrWhiteSpace(view.Name))
            {
                yield return $"{nameof(options.Views)}: a view's name (its stream namespace) is required.";
            }
            else if (!names.Add(view.Name))
            {
                yield return view.Name == options.StreamNamespace
                    ? $"{nameof(options.Views)}: view '{view.Name}' has the name of the {nameof(options.StreamNamespace)}; each view needs a stream namespace of its own."
                    : $"{nameof(options.Views)}: view '{view.Name}' is added more than once.";
            }
        }
    }
}
