using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.Sinks.Kinesis;

/// <summary>The rules of <see cref="KinesisSinkOptions"/>, checked at silo start.</summary>
internal sealed class KinesisSinkOptionsValidator(KinesisSinkOptions options) : IConfigurationValidator
{
    /// <exception cref="OrleansConfigurationException">Lists every invalid option.</exception>
    public void ValidateConfiguration()
    {
        var problems = Problems(options).ToList();
        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"Invalid options of Kinesis sink '{options.Name}': {string.Join(" ", problems)}");
        }
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per problem, each naming the option; values of keys never appear.</summary>
    public static IEnumerable<string> Problems(KinesisSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        foreach (var problem in AwsRowSinkOptionsRules.Problems(options))
        {
            yield return problem;
        }

        if (string.IsNullOrWhiteSpace(options.StreamName))
        {
            yield return $"{options.Section}StreamName is required.";
        }
        else if (options.StreamName.Length > 128 || options.StreamName.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
        {
            yield return $"{options.Section}StreamName '{options.StreamName}' is not a Kinesis stream name: 1 to 128 letters, digits, '_', '-' or '.'.";
        }
    }
}
