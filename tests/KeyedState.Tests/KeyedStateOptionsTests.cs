using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.KeyedState.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.KeyedState.Tests;

public sealed class KeyedStateOptionsTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        Assert.Empty(KeyedStateOptionsValidator.Problems(new KeyedStateOptions()));
    }

    public static TheoryData<string, Action<KeyedStateOptions>> InvalidSettings => new()
    {
        { nameof(KeyedStateOptions.PartitionCount), o => o.PartitionCount = 0 },
        { nameof(KeyedStateOptions.PartitionCount), o => o.PartitionCount = 65_537 },
        { nameof(KeyedStateOptions.MaxActivationsPerPartition), o => o.MaxActivationsPerPartition = 0 },
        { nameof(KeyedStateOptions.MaxDirtyKeysPerPartition), o => o.MaxDirtyKeysPerPartition = -1 },
        { nameof(KeyedStateOptions.MaxUnwrittenEventsPerPartition), o => o.MaxUnwrittenEventsPerPartition = 0 },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void The_validator_names_the_bad_setting(string setting, Action<KeyedStateOptions> spoil)
    {
        var options = new KeyedStateOptions();
        spoil(options);

        var problem = Assert.Single(KeyedStateOptionsValidator.Problems(options));
        var error = Assert.Throws<OrleansConfigurationException>(new KeyedStateOptionsValidator(options).ValidateConfiguration);

        Assert.StartsWith(setting, problem);
        Assert.Equal("Invalid keyed-state options: " + problem, error.Message);
    }

    [Fact]
    public void AddKeyedState_leaves_its_options_to_validators_that_run_when_the_silo_starts()
    {
        var silo = new ServicesOnlySiloBuilder();

        // Registering does not throw: Orleans runs every IConfigurationValidator at start, as for its own options.
        silo.AddKeyedState(
            new KeyedStateOptions { PartitionCount = 0 },
            new PartitionStoreOptions { BlockCacheBytes = 1 },
            "state",
            new S3SnapshotOptions { Bucket = "" });
        using var services = silo.Services.BuildServiceProvider();

        var problems = services.GetServices<IConfigurationValidator>()
            .Select(v => Assert.Throws<OrleansConfigurationException>(v.ValidateConfiguration).Message)
            .ToList();

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Invalid keyed-state options: PartitionCount", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Invalid partition store options: BlockCacheBytes", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Invalid S3 snapshot options: Bucket is required", StringComparison.Ordinal));
    }

    private sealed class ServicesOnlySiloBuilder : ISiloBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();

        public IConfiguration Configuration { get; } = new ConfigurationBuilder().Build();
    }
}
