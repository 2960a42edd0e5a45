using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Sinks.DynamoDB;
using KinesisGrains.Sinks.Kinesis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.Tests.Hosting;

public sealed class RowSinkRegistrationTests
{
    private static ServiceCollection Services(Dictionary<string, string?>? settings = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build());
        return services;
    }

    [Fact]
    public void Sinks_resolve_by_name_and_together_and_a_state_picks_its_own()
    {
        var services = Services();
        services.AddDynamoDBSink("users-latest", o => { o.StateName = "user-activity"; o.Table = "users"; o.ServiceUrl = new Uri("http://127.0.0.1:1"); });
        services.AddKinesisSink("views-out", o => { o.StateName = "page-views"; o.StreamName = "views"; o.ServiceUrl = new Uri("http://127.0.0.1:1"); });
        services.AddDynamoDBSink("views-latest", o => { o.StateName = "page-views"; o.Table = "views"; o.ServiceUrl = new Uri("http://127.0.0.1:1"); });
        using var provider = services.BuildServiceProvider();

        var sinks = provider.GetServices<IRowSink>().ToList();

        Assert.Equal(["users-latest", "views-out", "views-latest"], sinks.Select(s => s.Name));
        Assert.Equal(["views-out", "views-latest"], sinks.Where(s => s.StateName == "page-views").Select(s => s.Name));
        Assert.IsType<KinesisSink>(provider.GetRequiredKeyedService<IRowSink>("views-out"));
        Assert.Same(provider.GetRequiredKeyedService<IRowSink>("users-latest"), sinks[0]);
        Assert.Equal("DynamoDBSink[views]", sinks[2].Description);
    }

    [Fact]
    public void Options_bind_from_the_sinks_section_and_keep_the_registered_name()
    {
        var services = Services(new()
        {
            ["Sinks:orders:Type"] = "DynamoDB",
            ["Sinks:orders:Name"] = "something-else",
            ["Sinks:orders:StateName"] = "orders",
            ["Sinks:orders:Output"] = "Emitted",
            ["Sinks:orders:Table"] = "order-lines",
            ["Sinks:orders:KeyAttribute"] = "orderId",
            ["Sinks:orders:KeyColumn"] = "orderId",
            ["Sinks:orders:MaxAttempts"] = "5",
        });
        services.AddDynamoDBSink("orders", builder => builder.BindConfiguration("Sinks:orders"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<DynamoDBSinkOptions>>().Get("orders");

        Assert.Equal(("orders", "orders", SinkOutputKind.Emitted, "order-lines"), (options.Name, options.StateName, options.Output, options.Table));
        Assert.Equal(("orderId", "orderId", 5), (options.KeyAttribute, options.KeyColumn, options.MaxAttempts));
        Assert.Equal("orders", provider.GetRequiredKeyedService<IRowSink>("orders").StateName);
    }

    [Fact]
    public void Each_sink_registers_its_validator()
    {
        var services = Services();
        services.AddDynamoDBSink("good", o => { o.StateName = "s"; o.Table = "table"; });
        services.AddKinesisSink("bad", o => o.StateName = "s");
        using var provider = services.BuildServiceProvider();

        var validators = provider.GetServices<IConfigurationValidator>().ToList();

        Assert.Equal([typeof(DynamoDBSinkOptionsValidator), typeof(KinesisSinkOptionsValidator)], validators.Select(v => v.GetType()));
        validators[0].ValidateConfiguration();
        Assert.Contains("Sinks:bad:StreamName is required", Assert.Throws<OrleansConfigurationException>(validators[1].ValidateConfiguration).Message);
    }

    [Fact]
    public void A_name_is_registered_once()
    {
        var services = Services();
        services.AddDynamoDBSink("users", o => o.Table = "a");
        var error = Assert.Throws<InvalidOperationException>(() => services.AddKinesisSink("users", o => o.StreamName = "b"));
        Assert.Contains("'users'", error.Message);
    }
}
