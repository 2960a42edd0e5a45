using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.Streaming.Kinesis.Monitoring;

/// <summary>
/// The rules of <see cref="StreamingMonitorOptions"/>, checked when the silo starts (ConfigureStreamingMonitor
/// registers it) and when a <see cref="StreamingProgressTracker"/> is made from them.
/// </summary>
internal sealed class StreamingMonitorOptionsValidator(StreamingMonitorOptions options) : IConfigurationValidator
{
    /// <exception cref="OrleansConfigurationException">Lists every invalid option.</exception>
    public void ValidateConfiguration()
    {
        var problems = Problems(options).ToList();
        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"Invalid streaming monitor options: {string.Join(" ", problems)}");
        }
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per problem, each naming the option.</summary>
    public static IEnumerable<string> Problems(StreamingMonitorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (options.RetainedProgress is < 1 or > 100_000)
        {
            yield return $"{nameof(options.RetainedProgress)} must be between 1 and 100000; it is {options.RetainedProgress}.";
        }

        if (!Enum.IsDefined(options.Level))
        {
            yield return $"{nameof(options.Level)} must be NONE, SUMMARY or DETAILED; it is {options.Level}.";
        }

        if ((options.EnabledDimensions & ~MetricDimensions.All) != 0)
        {
            yield return $"{nameof(options.EnabledDimensions)} may only hold stream, shard, partition and silo; it is {options.EnabledDimensions}.";
        }
    }
}
