using KinesisGrains.Streaming.Kinesis.Monitoring;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.Tests.Monitoring;

public sealed class StreamingMonitorOptionsTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        Assert.Empty(StreamingMonitorOptionsValidator.Problems(new StreamingMonitorOptions()));
    }

    public static TheoryData<string, Action<StreamingMonitorOptions>> InvalidSettings => new()
    {
        { nameof(StreamingMonitorOptions.RetainedProgress), o => o.RetainedProgress = 0 },
        { nameof(StreamingMonitorOptions.RetainedProgress), o => o.RetainedProgress = 100_001 },
        { nameof(StreamingMonitorOptions.Level), o => o.Level = (MetricsLevel)9 },
        { nameof(StreamingMonitorOptions.EnabledDimensions), o => o.EnabledDimensions = (MetricDimensions)0x100 },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void The_validator_names_the_bad_setting(string setting, Action<StreamingMonitorOptions> spoil)
    {
        var options = new StreamingMonitorOptions();
        spoil(options);

        var problem = Assert.Single(StreamingMonitorOptionsValidator.Problems(options));
        var error = Assert.Throws<OrleansConfigurationException>(new StreamingMonitorOptionsValidator(options).ValidateConfiguration);

        Assert.StartsWith(setting, problem);
        Assert.Equal("Invalid streaming monitor options: " + problem, error.Message);
    }

    [Fact]
    public void The_tracker_refuses_invalid_options()
    {
        var error = Assert.Throws<OrleansConfigurationException>(() => new StreamingProgressTracker(
            "app", "clicks", "silo-1", new StreamingMonitorOptions { RetainedProgress = 0 }, [], [], _ => null, TimeProvider.System, NullLoggerFactory.Instance));

        Assert.Contains("RetainedProgress", error.Message);
    }

    [Fact]
    public void ConfigureStreamingMonitor_registers_one_validator_of_what_every_call_built()
    {
        var silo = new ServicesOnlySiloBuilder();
        silo.ConfigureStreamingMonitor(o => o.RetainedProgress = 10);
        silo.ConfigureStreamingMonitor(o => o.Level = (MetricsLevel)9);
        using var services = silo.Services.BuildServiceProvider();

        var validator = Assert.Single(services.GetServices<IConfigurationValidator>());
        var error = Assert.Throws<OrleansConfigurationException>(validator.ValidateConfiguration);

        Assert.Equal("Invalid streaming monitor options: Level must be NONE, SUMMARY or DETAILED; it is 9.", error.Message);
    }

    private sealed class ServicesOnlySiloBuilder : ISiloBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();

        public IConfiguration Configuration { get; } = new ConfigurationBuilder().Build();
    }
}
