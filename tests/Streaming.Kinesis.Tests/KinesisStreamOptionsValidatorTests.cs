using KinesisGrains.Streaming.Kinesis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.Tests;

public sealed class KinesisStreamOptionsValidatorTests
{
    [Fact]
    public void A_provider_with_invalid_options_is_refused_with_every_problem_named()
    {
        var validator = ValidatorFor(o =>
        {
            o.PartitionCount = 0;
            o.ApplicationName = " ";
        });

        var error = Assert.Throws<OrleansConfigurationException>(validator.ValidateConfiguration);
        Assert.Contains("'kinesis'", error.Message);
        Assert.Contains("PartitionCount", error.Message);
        Assert.Contains("ApplicationName", error.Message);
    }

    [Fact]
    public void Valid_options_pass()
    {
        var validator = ValidatorFor(o =>
        {
            o.PartitionCount = 8;
            o.ApplicationName = "app";
            o.Source.StreamName = "stream";
        });

        validator.ValidateConfiguration();
    }

    private static KinesisStreamOptionsValidator ValidatorFor(Action<KinesisStreamOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddOptions<KinesisStreamOptions>("kinesis").Configure(configure);
        var provider = services.BuildServiceProvider();
        return new KinesisStreamOptionsValidator(provider.GetRequiredService<IOptionsMonitor<KinesisStreamOptions>>(), "kinesis");
    }
}
