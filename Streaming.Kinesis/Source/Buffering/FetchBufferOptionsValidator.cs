using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.Streaming.Kinesis.Source.Buffering;

/// <summary>
/// The rules of <see cref="FetchBufferOptions"/>, checked when a <see cref="FetchBuffer"/> is made from them (the
/// stream provider derives them from its own options, which its validator checks at silo start).
/// </summary>
internal sealed class FetchBufferOptionsValidator(FetchBufferOptions options) : IConfigurationValidator
{
    /// <exception cref="OrleansConfigurationException">Lists every invalid option.</exception>
    public void ValidateConfiguration()
    {
        var problems = Problems(options).ToList();
        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"Invalid fetch buffer options: {string.Join(" ", problems)}");
        }
    }

    /// <summary>What is wrong with <paramref name="options"/>, one sentence per problem, each naming the option.</summary>
    public static IEnumerable<string> Problems(FetchBufferOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (options.SoftLimitBytes <= 0)
        {
            yield return $"FetchBuffer:{nameof(options.SoftLimitBytes)} must be positive; it is {options.SoftLimitBytes}.";
        }

        if (options.MaxSpillBytes < 0)
        {
            yield return $"FetchBuffer:{nameof(options.MaxSpillBytes)} must not be negative (0 disables spilling); it is {options.MaxSpillBytes}.";
        }

        if (options.MaxSpillBytes > 0 && string.IsNullOrWhiteSpace(options.SpillDirectory))
        {
            yield return $"FetchBuffer:{nameof(options.SpillDirectory)} is required when {nameof(options.MaxSpillBytes)} is positive.";
        }

        if (options.SpillSegmentBytes <= 0)
        {
            yield return $"FetchBuffer:{nameof(options.SpillSegmentBytes)} must be positive; it is {options.SpillSegmentBytes}.";
        }
    }
}
