using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.Streaming.Kinesis;

/// <summary>
/// Checks a Kinesis stream provider's options when the silo starts (Orleans runs every registered
/// <see cref="IConfigurationValidator"/> first), so a mistake stops the silo with every problem named.
/// </summary>
public sealed class KinesisStreamOptionsValidator(IOptionsMonitor<KinesisStreamOptions> options, string name) : IConfigurationValidator
{
    /// <exception cref="OrleansConfigurationException">Lists every invalid option.</exception>
    public void ValidateConfiguration()
    {
        var problems = options.Get(name).Validate().ToList();
        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"Invalid options of Kinesis stream provider '{name}': {string.Join(" ", problems)}");
        }
    }
}
