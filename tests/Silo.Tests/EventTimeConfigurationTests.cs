using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Silo.Configuration;
using KinesisGrains.Silo.Hosting;
using KinesisGrains.Streaming.Kinesis;
using KinesisGrains.Streaming.Kinesis.Source;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Hosting;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>Kinesis:EventTime: bound strictly beside the other Kinesis settings, checked, and handed to the stream provider.</summary>
public sealed class EventTimeConfigurationTests
{
    [Fact]
    public void Event_time_settings_are_bound_from_Kinesis_EventTime()
    {
        var configuration = Bind(
            ("Kinesis:EventTime:Source", "event"),
            ("Kinesis:EventTime:OutOfOrderness", "00:00:05"),
            ("Kinesis:EventTime:IdleTimeout", "00:00:10"),
            ("Kinesis:EventTime:WatermarkInterval", "00:00:00.100"));

        Assert.Empty(configuration.Validate());
        var eventTime = configuration.EventTime;
        Assert.Equal(
            (EventTimeSource.Event, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100)),
            (eventTime.Source, eventTime.OutOfOrderness, eventTime.IdleTimeout, eventTime.WatermarkInterval));
    }

    [Fact]
    public void Bad_event_time_settings_are_refused_by_name()
    {
        var configuration = Bind(
            ("Kinesis:EventTime:Source", "Processing"),
            ("Kinesis:EventTime:OutOfOrdernes", "00:00:05"),
            ("Kinesis:EventTime:IdleTimeout", "00:00:00.500"),
            ("Kinesis:EventTime", "yes"));

        Assert.Equal(
            [
                "Kinesis:EventTime is a section of settings, not a single value.",
                "Kinesis:EventTime:IdleTimeout must be 0 (a shard never counts as idle) or at least 1 s (shorter flips a live shard idle between two fetches); it is 00:00:00.5000000.",
                "Kinesis:EventTime:OutOfOrdernes is not a known setting; did you mean Kinesis:EventTime:OutOfOrderness?",
                "Kinesis:EventTime:Source: 'Processing' is not an EventTimeSource (one of Arrival, Event).",
            ],
            configuration.Validate().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_stream_provider_gets_the_silos_event_time_settings_and_its_extractor_only_with_Source_Event()
    {
        var configuration = Bind(("Kinesis:EventTime:Source", "Event"), ("Kinesis:EventTime:OutOfOrderness", "00:00:03"));
        var silo = new ServicesOnlySiloBuilder();
        SiloHost.Configure(
            silo,
            configuration,
            new SiloBuilder().ConsumeStream<ClickEvent, UserActivityPartitionGrain>(IUserActivityPartition.StreamNamespace, eventTime: e => e.Timestamp),
            siloId: "silo-1",
            dataDirectory: "data",
            incarnation: "incarnation");
        using var services = silo.Services.BuildServiceProvider();

        var options = services.GetRequiredService<IOptionsMonitor<KinesisStreamOptions>>().Get(SiloHost.StreamProviderName);
        Assert.Same(configuration.EventTime, options.EventTime);
        foreach (var validator in services.GetServices<IConfigurationValidator>())
        {
            validator.ValidateConfiguration();
        }
    }

    [Fact]
    public async Task A_silo_with_Source_Event_and_no_extractor_refuses_to_start_with_a_sentence()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Silo:ApplicationName"] = "orders-app",
            ["Kinesis:StreamName"] = "orders",
            ["Kinesis:EventTime:Source"] = "Event",
        };

        var error = await Assert.ThrowsAsync<SiloStartupException>(() => SiloHost.StartAsync(
            [], silo => silo.ConsumeStream<ClickEvent, UserActivityPartitionGrain>(IUserActivityPartition.StreamNamespace), settings));

        Assert.Equal(SiloStartupException.InvalidConfiguration, error.ExitCode);
        Assert.Contains("Kinesis:EventTime:Source is Event, but the stream has no event-time extractor", error.Message);
    }

    private static SiloConfiguration Bind(params (string Key, string? Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([KeyValuePair.Create("Silo:ApplicationName", (string?)"orders-app"), KeyValuePair.Create("Kinesis:StreamName", (string?)"orders")])
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value)))
            .Build();
        return SiloConfiguration.Bind(configuration);
    }

    private sealed class ServicesOnlySiloBuilder : ISiloBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();

        public IConfiguration Configuration { get; } = new ConfigurationBuilder().Build();
    }
}
