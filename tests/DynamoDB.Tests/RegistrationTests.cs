using KinesisGrains.Persistence.DynamoDB;
using KinesisGrains.DynamoDB.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Hosting;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;
using Xunit;

namespace KinesisGrains.DynamoDB.Tests;

/// <summary>What AddDynamoDBGrainStorage puts in a silo's services, looked at without a silo.</summary>
public sealed class RegistrationTests
{
    [Fact]
    public void A_named_storage_is_a_keyed_grain_storage_with_its_own_options_and_a_lifecycle_participant()
    {
        using var services = Services(s => s
            .AddDynamoDBGrainStorage("settings", o => Configure(o, "settings-table"))
            .AddDynamoDBGrainStorage("alerts", o => Configure(o, "alerts-table")));

        var settings = Assert.IsType<DynamoDBGrainStorage>(services.GetRequiredKeyedService<IGrainStorage>("settings"));
        var alerts = Assert.IsType<DynamoDBGrainStorage>(services.GetRequiredKeyedService<IGrainStorage>("alerts"));

        Assert.Equal("settings-table", settings.TableName);
        Assert.Equal("alerts-table", alerts.TableName);
        Assert.Null(services.GetService<IGrainStorage>());
        var participants = services.GetServices<ILifecycleParticipant<ISiloLifecycle>>().ToList();
        Assert.Contains(settings, participants);
        Assert.Contains(alerts, participants);
    }

    [Fact]
    public void The_default_storage_is_registered_under_Orleans_default_name()
    {
        using var services = Services(s => s.AddDynamoDBGrainStorageAsDefault(o => Configure(o, "default-table")));

        var storage = Assert.IsType<DynamoDBGrainStorage>(services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME));

        Assert.Same(storage, services.GetRequiredService<IGrainStorage>());
        Assert.Equal("default-table", storage.TableName);
    }

    [Fact]
    public void The_silo_grain_storage_serializer_is_used_unless_one_is_set()
    {
        var own = new SystemTextJsonGrainStorageSerializer(Options.Create(new SystemTextJsonGrainStorageSerializerOptions()));
        using var services = Services(s => s
            .AddDynamoDBGrainStorage("plain", o => Configure(o, "plain-table"))
            .AddDynamoDBGrainStorage("own", o =>
            {
                Configure(o, "own-table");
                o.GrainStorageSerializer = own;
            }));
        var monitor = services.GetRequiredService<IOptionsMonitor<DynamoDBGrainStorageOptions>>();

        Assert.Same(services.GetRequiredService<IGrainStorageSerializer>(), monitor.Get("plain").GrainStorageSerializer);
        Assert.Same(own, monitor.Get("own").GrainStorageSerializer);
    }

    [Fact]
    public void Options_built_with_an_OptionsBuilder_are_validated_at_start_with_the_storage_named()
    {
        using var services = Services(s => s.AddDynamoDBGrainStorage("settings", builder => builder.Configure(o =>
        {
            o.Service = "us-east-1";
            o.TableName = "no";
        })));

        var validators = services.GetServices<IConfigurationValidator>().ToList();
        var error = Assert.Throws<OrleansConfigurationException>(() => validators.ForEach(v => v.ValidateConfiguration()));

        Assert.Contains("DynamoDB grain storage 'settings'", error.Message, StringComparison.Ordinal);
        Assert.Contains("TableName must be 3 to 255", error.Message, StringComparison.Ordinal);
    }

    private static void Configure(DynamoDBGrainStorageOptions options, string table)
    {
        options.Service = "http://127.0.0.1:1";
        options.TableName = table;
    }

    private static ServiceProvider Services(Action<IServiceCollection> configure)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSerializer();
        services.AddSingleton<IGrainStorageSerializer>(DynaliteFixture.Serializer);
        configure(services);
        return services.BuildServiceProvider();
    }
}
