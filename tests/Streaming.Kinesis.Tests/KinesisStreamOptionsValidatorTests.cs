using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Abstractions.Views;
using KinesisGrains.Streaming.Kinesis;
using KinesisGrains.Streaming.Kinesis.Source;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Hosting;
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

    [Fact]
    public void The_source_the_client_and_the_lease_table_are_checked_with_the_provider()
    {
        var options = Valid();
        options.Source.MaxRecordsPerFetch = 0;
        options.Client.MaxAttempts = 0;
        options.DynamoDB.Region = "";

        Assert.Equal(
            [
                "Kinesis:MaxRecordsPerFetch must be between 1 and 10000; it is 0.",
                "Client.MaxAttempts must be at least 1 (got 0).",
                "DynamoDB:Region is required.",
            ],
            KinesisStreamOptionsValidator.Problems(options));
    }

    public static TheoryData<string, Action<KinesisSourceOptions>> InvalidSourceSettings => new()
    {
        { "LeaseFailoverTime", o => o.LeaseFailoverTime = TimeSpan.FromMilliseconds(299) },
        { "StreamName", o => o.StreamName = " " },
        { "InitialPosition", o => o.InitialPosition = "EARLIEST" },
        { "InitialTimestamp", o => o.InitialPosition = "AT_TIMESTAMP" },
        { "MaxRecordsPerFetch", o => o.MaxRecordsPerFetch = 10_001 },
        { "MinFetchPeriod", o => o.MinFetchPeriod = TimeSpan.FromMilliseconds(199) },
        { "MaxFetchRate", o => o.MaxFetchRate = double.NaN },
        { "MaxFetchDuration", o => o.MaxFetchDuration = TimeSpan.Zero },
        { "FetchBufferSize", o => o.FetchBufferSize = 1024 },
        { "ShardsPerTask", o => o.ShardsPerTask = 0 },
        { "ThrottleBackoff", o => o.ThrottleBackoff = TimeSpan.FromSeconds(-1) },
        { "ShardFetchInterval", o => o.ShardFetchInterval = TimeSpan.Zero },
        { "CheckpointInterval", o => o.CheckpointInterval = TimeSpan.FromSeconds(-1) },
        { "ConsumerMode", o => o.ConsumerMode = (ConsumerMode)7 },
        { "ConsumerName", o => o.ConsumerName = "my consumer" },
        { "ConsumerName", o => o.ConsumerName = new string('c', 129) },
        { "ConsumerArn", o => o.ConsumerArn = "my-consumer" },
        { "ConsumerArn", o => o.ConsumerArn = "arn:aws:kinesis:us-east-1:123456789012:stream/other/consumer/c:1" },
        { "ConsumerRegistrationTimeout", o => o.ConsumerRegistrationTimeout = TimeSpan.Zero },
        { "SubscriptionIdleTimeout", o => o.SubscriptionIdleTimeout = TimeSpan.FromSeconds(1) },
    };

    [Fact]
    public void A_consumer_name_and_a_consumer_arn_together_are_refused()
    {
        var options = new KinesisSourceOptions
        {
            StreamName = "stream",
            ConsumerMode = ConsumerMode.Efo,
            ConsumerName = "app",
            ConsumerArn = "arn:aws:kinesis:us-east-1:123456789012:stream/stream/consumer/app:1",
        };

        var problem = Assert.Single(KinesisSourceOptionsValidator.Problems(options));

        Assert.StartsWith("Set Kinesis:ConsumerName or Kinesis:ConsumerArn, not both", problem);
    }

    [Fact]
    public void Efo_without_a_consumer_name_needs_an_application_name_kinesis_accepts()
    {
        var options = new KinesisStreamOptions { ApplicationName = "orders app", Source = { StreamName = "stream", ConsumerMode = ConsumerMode.Efo } };
        var named = new KinesisStreamOptions { ApplicationName = "orders app", Source = { StreamName = "stream", ConsumerMode = ConsumerMode.Efo, ConsumerName = "orders-app" } };

        var problem = Assert.Single(KinesisStreamOptionsValidator.Problems(options));

        Assert.StartsWith("Kinesis:ConsumerMode=Efo names its consumer after the application", problem);
        Assert.Empty(KinesisStreamOptionsValidator.Problems(named));
    }

    [Theory]
    [MemberData(nameof(InvalidSourceSettings))]
    public void The_source_validator_names_the_bad_setting(string setting, Action<KinesisSourceOptions> spoil)
    {
        var options = new KinesisSourceOptions { StreamName = "stream" };
        spoil(options);

        var problem = Assert.Single(KinesisSourceOptionsValidator.Problems(options));
        var error = Assert.Throws<OrleansConfigurationException>(new KinesisSourceOptionsValidator(options).ValidateConfiguration);

        Assert.StartsWith($"Kinesis:{setting} ", problem);
        Assert.Equal("Invalid Kinesis source options: " + problem, error.Message);
    }

    [Fact]
    public void AddKinesisStreams_registers_the_validator_of_its_provider()
    {
        var silo = new ServicesOnlySiloBuilder();
        silo.AddKinesisStreams<string>("clicks", o => o.Source.StreamName = "");
        using var services = silo.Services.BuildServiceProvider();

        var errors = services.GetServices<IConfigurationValidator>()
            .Select(v => Record.Exception(v.ValidateConfiguration))
            .OfType<OrleansConfigurationException>()
            .Select(e => e.Message)
            .ToList();

        var error = Assert.Single(errors, e => e.StartsWith("Invalid options of Kinesis stream provider 'clicks':", StringComparison.Ordinal));
        Assert.Contains("Kinesis:StreamName is required.", error);
        Assert.Contains("ApplicationName is required", error);
    }

    [Fact]
    public void Keyed_views_need_a_namespace_of_their_own_and_the_providers_event_type()
    {
        var silo = new ServicesOnlySiloBuilder();
        silo.AddKinesisStreams<string>("clicks", o =>
        {
            o.ApplicationName = "app";
            o.Source.StreamName = "stream";
            o.StreamNamespace = "clicks";
        });
        silo.AddKeyedView<string>("clicks", "by-length", s => s.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .AddKeyedView<string>("clicks", "by-length", s => s)
            .AddKeyedView<string>("clicks", "clicks", s => s)
            .AddKeyedView<string>("clicks", " ", s => s)
            .AddKeyedView<int>("clicks", "numbers", i => "n");
        using var services = silo.Services.BuildServiceProvider();

        var error = Assert.Single(
            services.GetServices<IConfigurationValidator>().Select(v => Record.Exception(v.ValidateConfiguration)).OfType<OrleansConfigurationException>()).Message;
        Assert.Contains("Views: view 'by-length' is added more than once.", error);
        Assert.Contains("Views: view 'clicks' has the name of the StreamNamespace; each view needs a stream namespace of its own.", error);
        Assert.Contains("Views: a view's name (its stream namespace) is required.", error);
        Assert.Contains("Views: view 'numbers' keys Int32 events, but the provider decodes String.", error);
    }

    [Fact]
    public void The_keyed_states_gate_is_asked_about_the_views_lanes()
    {
        var options = Valid();
        options.Views.Add(new KeyedView<string>("by-length", s => s));
        var gates = new ProblemGates();

        var error = Assert.Throws<OrleansConfigurationException>(new KinesisStreamOptionsValidator(options, "clicks", eventType: typeof(string), checkpointGates: gates).ValidateConfiguration);

        Assert.Equal(["kinesis", "by-length"], gates.Asked!.Namespaces);
        Assert.EndsWith("a class reads two views.", error.Message);
    }

    private static KinesisStreamOptions Valid() => new() { ApplicationName = "app", Source = { StreamName = "stream" } };

    private static KinesisStreamOptionsValidator ValidatorFor(Action<KinesisStreamOptions> configure)
    {
        var options = new KinesisStreamOptions();
        configure(options);
        return new KinesisStreamOptionsValidator(options, "kinesis");
    }

    /// <summary>A gate factory that only says what is wrong with the lanes it is shown (pure logic: no gate is made).</summary>
    private sealed class ProblemGates : ICheckpointGateFactory
    {
        public StreamLanes? Asked { get; private set; }

        public ICheckpointGate Create(string providerName, StreamLanes lanes, Action<IReadOnlyList<PartitionProgress>> stateReported) =>
            throw new NotSupportedException();

        public IEnumerable<string> Problems(StreamLanes lanes)
        {
            Asked = lanes;
            return ["a class reads two views."];
        }
    }

    private sealed class ServicesOnlySiloBuilder : ISiloBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();

        public IConfiguration Configuration { get; } = new ConfigurationBuilder().Build();
    }
}
