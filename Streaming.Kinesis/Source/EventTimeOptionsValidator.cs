using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.Streaming.Kinesis.Source;

/// <summary>
/// The rules of <see cref="EventTimeOptions"/>; the stream provider's validator checks them as part of its options,
/// at silo start.
/// </summary>
/// <remarks>Messages carry the <c>Kinesis:EventTime:</c> section of the silo's configuration, which prints them as they are.</remarks>
/// <param name="hasExtractor">The stream provider was given an event-time extractor.</param>
internal sealed class EventTimeOptionsValidator(EventTimeOptions options, bool hasExtractor) : IConfigurationValidator
{
    /// <summary>The shortest idle timeout other than 0: a shorter one flips a live shard idle between two fetches.</summary>
    public static readonly TimeSpan MinIdleTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The shortest watermark interval: receivers are asked for records that often, so a shorter one changes nothing.</summary>
    public static readonly TimeSpan MinWatermarkInterval = TimeSpan.FromMilliseconds(20);

    /// <exception cref="OrleansConfigurationException">Lists every invalid option.</exception>
    public void ValidateConfiguration()
    {
        var problems = Problems(options).ToList();
        if (SourceProblem(options, hasExtractor) is { } source)
        {
            problems.Insert(0, source);
        }

        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"Invalid event-time options: {string.Join(" ", problems)}");
        }
    }

    /// <summary>
    /// Source=Event without an event-time extractor; null when the source can be used. Apart from
    /// <see cref="Problems"/>, as a silo knows its extractor only after its configuration was checked.
    /// </summary>
    public static string? SourceProblem(EventTimeOptions options, bool hasExtractor) =>
        options.Source == EventTimeSource.Event && !hasExtractor
            ? "Kinesis:EventTime:Source is Event, but the stream has no event-time extractor: give one (AddKinesisStreams(..., eventTime: e => e.Timestamp), or ConsumeStream(..., eventTime: e => e.Timestamp) on a silo), or use Source=Arrival."
            : null;

    /// <summary>What is wrong with the values of <paramref name="options"/>, one sentence per problem, each naming the option.</summary>
    public static IEnumerable<string> Problems(EventTimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (!Enum.IsDefined(options.Source))
        {
            yield return $"Kinesis:EventTime:Source must be Arrival or Event; it is {options.Source}.";
        }

        if (options.OutOfOrderness < TimeSpan.Zero)
        {
            yield return $"Kinesis:EventTime:OutOfOrderness must not be negative; it is {options.OutOfOrderness}.";
        }

        if (options.IdleTimeout != TimeSpan.Zero && options.IdleTimeout < MinIdleTimeout)
        {
            yield return $"Kinesis:EventTime:IdleTimeout must be 0 (a shard never counts as idle) or at least {MinIdleTimeout.TotalSeconds} s (shorter flips a live shard idle between two fetches); it is {options.IdleTimeout}.";
        }

        if (options.WatermarkInterval < MinWatermarkInterval)
        {
            yield return $"Kinesis:EventTime:WatermarkInterval must be at least {MinWatermarkInterval.TotalMilliseconds} ms (receivers are asked for records that often); it is {options.WatermarkInterval}.";
        }
    }
}
