using KinesisGrains.Streaming.Kinesis;
using KinesisGrains.Streaming.Kinesis.Source;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.Tests.Source;

/// <summary>The event-time options' rules, and how an extractor given to the provider picks the source.</summary>
public sealed class EventTimeOptionsTests
{
    [Fact]
    public void The_defaults_are_valid_arrival_time_without_out_of_orderness()
    {
        var options = new EventTimeOptions();

        Assert.Empty(EventTimeOptionsValidator.Problems(options));
        Assert.Equal(
            (EventTimeSource.Arrival, TimeSpan.Zero, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200)),
            (options.Source, options.OutOfOrderness, options.IdleTimeout, options.WatermarkInterval));
    }

    public static TheoryData<string, Action<EventTimeOptions>> InvalidSettings => new()
    {
        { "Source", o => o.Source = (EventTimeSource)7 },
        { "OutOfOrderness", o => o.OutOfOrderness = TimeSpan.FromMilliseconds(-1) },
        { "IdleTimeout", o => o.IdleTimeout = TimeSpan.FromMilliseconds(999) },
        { "IdleTimeout", o => o.IdleTimeout = TimeSpan.FromSeconds(-1) },
        { "WatermarkInterval", o => o.WatermarkInterval = TimeSpan.FromMilliseconds(19) },
        { "WatermarkInterval", o => o.WatermarkInterval = TimeSpan.Zero },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void The_validator_names_the_bad_setting(string setting, Action<EventTimeOptions> spoil)
    {
        var options = new EventTimeOptions();
        spoil(options);

        var problem = Assert.Single(EventTimeOptionsValidator.Problems(options));
        var error = Assert.Throws<OrleansConfigurationException>(new EventTimeOptionsValidator(options, hasExtractor: true).ValidateConfiguration);

        Assert.StartsWith($"Kinesis:EventTime:{setting} ", problem);
        Assert.Equal("Invalid event-time options: " + problem, error.Message);
    }

    [Fact]
    public void An_idle_timeout_of_zero_turns_idleness_off_and_is_valid()
    {
        Assert.Empty(EventTimeOptionsValidator.Problems(new EventTimeOptions { IdleTimeout = TimeSpan.Zero }));
    }

    [Fact]
    public void Event_time_from_the_events_needs_an_extractor()
    {
        var options = new EventTimeOptions { Source = EventTimeSource.Event };

        Assert.Null(EventTimeOptionsValidator.SourceProblem(options, hasExtractor: true));
        Assert.Null(EventTimeOptionsValidator.SourceProblem(new EventTimeOptions(), hasExtractor: false));
        var problem = EventTimeOptionsValidator.SourceProblem(options, hasExtractor: false);
        Assert.StartsWith("Kinesis:EventTime:Source is Event, but the stream has no event-time extractor", problem);
        Assert.Equal("Invalid event-time options: " + problem, Assert.Throws<OrleansConfigurationException>(new EventTimeOptionsValidator(options, false).ValidateConfiguration).Message);
    }

    [Fact]
    public void The_provider_validator_checks_the_event_time_options_with_the_rest()
    {
        var options = new KinesisStreamOptions { ApplicationName = "app", Source = { StreamName = "s" }, EventTime = { OutOfOrderness = TimeSpan.FromSeconds(-5), Source = EventTimeSource.Event } };

        Assert.Equal(["Kinesis:EventTime:OutOfOrderness must not be negative; it is -00:00:05."], KinesisStreamOptionsValidator.Problems(options));
        var error = Assert.Throws<OrleansConfigurationException>(new KinesisStreamOptionsValidator(options, "clicks").ValidateConfiguration);
        Assert.Contains("Kinesis:EventTime:OutOfOrderness", error.Message);
        Assert.Contains("Kinesis:EventTime:Source is Event, but the stream has no event-time extractor", error.Message);

        options.EventTime.OutOfOrderness = TimeSpan.FromSeconds(5);
        new KinesisStreamOptionsValidator(options, "clicks", hasEventTimeExtractor: true).ValidateConfiguration();
    }

    [Fact]
    public void An_extractor_given_to_the_provider_makes_event_time_the_source_unless_configured_otherwise()
    {
        Assert.Equal(EventTimeSource.Event, SourceOf(o => o.EventTime.OutOfOrderness = TimeSpan.FromSeconds(1), (string e) => DateTimeOffset.UnixEpoch));
        Assert.Equal(EventTimeSource.Arrival, SourceOf(o => o.EventTime.Source = EventTimeSource.Arrival, (string e) => DateTimeOffset.UnixEpoch));
        Assert.Equal(EventTimeSource.Arrival, SourceOf(_ => { }, null));
    }

    private static EventTimeSource SourceOf(Action<KinesisStreamOptions> configure, Func<string, DateTimeOffset>? extractor)
    {
        var silo = new ServicesOnlySiloBuilder();
        silo.AddKinesisStreams<string>("clicks", configure, eventTime: extractor);
        using var services = silo.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptionsMonitor<KinesisStreamOptions>>().Get("clicks").EventTime.Source;
    }

    private sealed class ServicesOnlySiloBuilder : ISiloBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();

        public IConfiguration Configuration { get; } = new ConfigurationBuilder().Build();
    }
}
