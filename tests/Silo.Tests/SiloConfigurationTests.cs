using KinesisGrains.Streaming.Kinesis.Source;
using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.Silo.Configuration;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Hosting;
using Xunit;

namespace KinesisGrains.Tests;

public sealed class SiloConfigurationTests
{
    /// <summary>The two settings without a usable default; a test's own settings come after them and may override them.</summary>
    private static readonly (string Key, string? Value)[] s_required =
    [
        ("Silo:ApplicationName", "orders-app"),
        ("Kinesis:StreamName", "orders"),
    ];

    [Fact]
    public void A_valid_configuration_has_no_problem()
    {
        var configuration = Bind(
            ("Kinesis:MinFetchPeriod", "00:00:00.250"),
            ("Kinesis:MaxFetchRate", "1.5"),
            ("Kinesis:FetchBufferSize", "1073741824"),
            ("Kinesis:ServiceUrl", "http://127.0.0.1:4566"),
            ("Kinesis:DropAggregatesOutsideShardRange", "false"),
            ("Grains:PartitionCount", "8"),
            ("State:BlockCacheBytes", "67108864"));

        Assert.Empty(configuration.Validate());
        Assert.Equal(TimeSpan.FromMilliseconds(250), configuration.Source.MinFetchPeriod);
        Assert.Equal(1.5, configuration.Source.MaxFetchRate);
        Assert.Equal(1L << 30, configuration.Source.FetchBufferSize);
        Assert.Equal(new Uri("http://127.0.0.1:4566"), configuration.KinesisClient.ServiceUrl);
        Assert.False(configuration.Source.DropAggregatesOutsideShardRange);
        Assert.Equal(8, configuration.Grains.PartitionCount);
        Assert.Equal(64L << 20, configuration.State.BlockCacheBytes);
    }

    [Fact]
    public void Enhanced_fan_out_settings_bind_and_a_bad_mode_is_refused_by_name()
    {
        var efo = Bind(("Kinesis:ConsumerMode", "Efo"), ("Kinesis:ConsumerName", "orders-reader"), ("Kinesis:Http2StreamWindowSize", "4194304"));
        var bad = Bind(("Kinesis:ConsumerMode", "Push"));

        Assert.Empty(efo.Validate());
        Assert.Equal(Streaming.Kinesis.Source.ConsumerMode.Efo, efo.Source.ConsumerMode);
        Assert.Equal("orders-reader", efo.Source.ConsumerName);
        Assert.Equal(4 << 20, efo.KinesisClient.Http2StreamWindowSize);
        Assert.Contains(bad.Validate(), p => p.StartsWith("Kinesis:ConsumerMode", StringComparison.Ordinal) && p.Contains("Push", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_key_is_refused_by_name_with_the_closest_known_one()
    {
        var configuration = Bind(("Kinesis:MaxRecordPerFetch", "500"));

        var problem = Assert.Single(configuration.Validate());
        Assert.Equal("Kinesis:MaxRecordPerFetch is not a known setting; did you mean Kinesis:MaxRecordsPerFetch?", problem);
        Assert.Equal(KinesisSourceOptions.MaxRecordsPerFetchLimit, configuration.Source.MaxRecordsPerFetch);
    }

    [Fact]
    public void An_unknown_key_unlike_any_known_one_is_refused_without_a_suggestion()
    {
        var configuration = Bind(("Grains:Colour", "blue"), ("DeadLetters:Bucket", "x"));

        Assert.Equal(
            ["Grains:Colour is not a known setting.", "DeadLetters:Bucket is not a known setting."],
            configuration.Validate());
    }

    [Fact]
    public void A_key_of_either_object_bound_from_Kinesis_is_known()
    {
        var configuration = Bind(
            ("Kinesis:Region", "eu-west-1"),
            ("Kinesis:MaxAttempts", "7"),
            ("Kinesis:ShardsPerTask", "2"));

        Assert.Empty(configuration.Validate());
        Assert.Equal("eu-west-1", configuration.KinesisClient.Region);
        Assert.Equal(7, configuration.KinesisClient.MaxAttempts);
        Assert.Equal(2, configuration.Source.ShardsPerTask);
    }

    [Fact]
    public void The_silo_settings_of_Snapshots_and_DeadLetters_are_known()
    {
        var configuration = Bind(
            ("Snapshots:Bucket", "state-snapshots"),
            ("Snapshots:CreateBucketIfMissing", "true"),
            ("Snapshots:UploadConcurrency", "2"),
            ("DeadLetters:S3Prefix", "dead-letters"),
            ("DeadLetters:FlushInterval", "00:00:30"));

        Assert.Empty(configuration.Validate());
        Assert.True(configuration.CreateSnapshotBucket);
        Assert.Equal(2, configuration.Snapshots.UploadConcurrency);
        Assert.Equal("dead-letters", configuration.DeadLetterS3Prefix);
        Assert.Equal(TimeSpan.FromSeconds(30), configuration.DeadLetterFlushInterval);
    }

    [Fact]
    public void The_dashboard_is_on_by_default_and_its_settings_are_bound_and_checked()
    {
        Assert.True(Bind().Dashboard.Enabled);

        var configuration = Bind(("Dashboard:Enabled", "false"), ("Dashboard:CounterUpdateInterval", "00:00:05"), ("Dashboard:HideTrace", "true"));
        Assert.Empty(configuration.Validate());
        Assert.False(configuration.Dashboard.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(5), configuration.Dashboard.CounterUpdateInterval);
        Assert.True(configuration.Dashboard.HideTrace);

        var problems = Bind(("Dashboard:Enable", "false"), ("Dashboard:CounterUpdateInterval", "00:00:00.500")).Validate();
        Assert.Contains("Dashboard:Enable is not a known setting; did you mean Dashboard:Enabled?", problems);
        Assert.Contains("Dashboard:CounterUpdateInterval must be at least 00:00:01; it is 00:00:00.5000000.", problems);
    }

    [Fact]
    public void Every_bad_value_is_listed_at_once_with_the_validation_errors()
    {
        var configuration = Bind(
            ("Kinesis:MinFetchPeriod", "abc"),
            ("Grains:PartitionCount", "many"),
            ("Kinesis:DropAggregatesOutsideShardRange", "yes"),
            ("Kinesis:InitialTimestamp", "yesterday"),
            ("State:BlockCacheBytes", "1GB"),
            ("DeadLetters:FlushInterval", "soon"),
            ("Kinesis:MaxRecordsPerFetch", "0"),
            ("Silo:ApplicationName", "x"));

        // Binding problems come first, by section and then by key (configuration lists keys sorted), then validation errors.
        Assert.Equal(
            [
                "Kinesis:DropAggregatesOutsideShardRange: 'yes' is not a Boolean (true or false).",
                "Kinesis:InitialTimestamp: 'yesterday' is not a DateTimeOffset (like 2024-01-31T12:00:00Z).",
                "Kinesis:MinFetchPeriod: 'abc' is not a TimeSpan (like 00:00:00.200).",
                "Grains:PartitionCount: 'many' is not an Int32 (a whole number, like 16).",
                "State:BlockCacheBytes: '1GB' is not an Int64 (a whole number, like 536870912).",
                "DeadLetters:FlushInterval: 'soon' is not a TimeSpan (like 00:00:00.200).",
                "Silo:ApplicationName must be 3 to 255 characters of letters, digits, '_', '-' and '.' (a DynamoDB table name); it is 'x'.",
                "Kinesis:MaxRecordsPerFetch must be between 1 and 10000; it is 0.",
            ],
            configuration.Validate());
    }

    [Fact]
    public void Keys_are_matched_whatever_their_case()
    {
        var configuration = Bind(
            ("kinesis:maxrecordsperfetch", "500"),
            ("GRAINS:PARTITIONCOUNT", "4"),
            ("State:compression", "zstd"),
            ("dynamodb:serviceurl", "http://127.0.0.1:8000"));

        Assert.Empty(configuration.Validate());
        Assert.Equal(500, configuration.Source.MaxRecordsPerFetch);
        Assert.Equal(4, configuration.Grains.PartitionCount);
        Assert.Equal(RocksDbCompression.Zstd, configuration.State.Compression);
        Assert.Equal(new Uri("http://127.0.0.1:8000"), configuration.DynamoDB.ServiceUrl);
    }

    [Fact]
    public void Enum_values_are_parsed_and_a_bad_one_is_refused_with_the_allowed_values()
    {
        var good = Bind(
            ("State:Compression", "Snappy"),
            ("Kinesis:InitialPosition", "AT_TIMESTAMP"),
            ("Kinesis:InitialTimestamp", "2024-01-31T12:00:00Z"));
        var bad = Bind(("State:Compression", "zip"), ("Kinesis:InitialPosition", "EARLIEST"));
        var number = Bind(("State:Compression", "2"));

        Assert.Empty(good.Validate());
        Assert.Equal(RocksDbCompression.Snappy, good.State.Compression);
        Assert.Equal("AT_TIMESTAMP", good.Source.InitialPosition);
        Assert.Equal(new DateTimeOffset(2024, 1, 31, 12, 0, 0, TimeSpan.Zero), good.Source.InitialTimestamp);
        Assert.Equal(
            [
                "State:Compression: 'zip' is not a RocksDbCompression (one of None, Snappy, Lz4, Zstd).",
                "Kinesis:InitialPosition must be TRIM_HORIZON, LATEST or AT_TIMESTAMP; it is 'EARLIEST'.",
            ],
            bad.Validate());
        Assert.Equal(["State:Compression: '2' is not a RocksDbCompression (one of None, Snappy, Lz4, Zstd)."], number.Validate());
    }

    [Fact]
    public void An_empty_value_clears_an_optional_setting()
    {
        var configuration = Bind(("Kinesis:ServiceUrl", ""), ("Kinesis:InitialTimestamp", ""), ("DeadLetters:S3Prefix", ""));

        Assert.Empty(configuration.Validate());
        Assert.Null(configuration.KinesisClient.ServiceUrl);
        Assert.Null(configuration.Source.InitialTimestamp);
        Assert.Null(configuration.DeadLetterS3Prefix);
    }

    [Fact]
    public void A_setting_given_as_a_section_is_refused_by_the_nested_key()
    {
        var configuration = Bind(("Kinesis:MinFetchPeriod:Milliseconds", "300"));

        Assert.Equal(
            ["Kinesis:MinFetchPeriod:Milliseconds is not a known setting: Kinesis:MinFetchPeriod takes a single value."],
            configuration.Validate());
    }

    [Fact]
    public void Sections_that_are_not_the_silos_are_not_checked()
    {
        var configuration = Bind(
            ("Logging:LogLevel:Default", "Information"),
            ("Orleans:ClusterId", "anything"),
            ("AllowedHosts", "*"),
            ("Kestrel:Endpoints:Http:Url", "http://0.0.0.0:5000"),
            ("SomethingElse:MaxRecordPerFetch", "many"));

        Assert.Empty(configuration.Validate());
    }

    [Fact]
    public void An_invalid_Kinesis_client_setting_is_listed_rather_than_thrown()
    {
        var configuration = Bind(("Kinesis:Region", "us east 1"), ("Grains:PartitionCount", "0"));

        var errors = configuration.Validate();

        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Kinesis: Invalid KinesisClientOptions: Region 'us east 1'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Grains:PartitionCount must be between 1 and", StringComparison.Ordinal));
    }

    [Fact]
    public void The_shipped_appsettings_has_no_unknown_key_and_is_valid()
    {
        var path = Path.Combine(RepositoryRoot(), "Silo", "appsettings.json");
        var configuration = SiloConfiguration.Bind(new ConfigurationBuilder().AddJsonFile(path, optional: false).Build());

        Assert.Empty(configuration.BindingProblems);
        Assert.Empty(configuration.Validate());
        Assert.Equal("TRIM_HORIZON", configuration.Source.InitialPosition);
    }

    [Fact]
    public void What_the_silo_accepts_passes_the_validators_Orleans_runs_at_start()
    {
        // The silo refuses a bad configuration with exit code 2 before Orleans starts; the library validators it
        // registers hold the same rules, so they must find nothing in a configuration it accepted.
        var configuration = Bind(("Snapshots:Bucket", "state-snapshots"), ("Metrics:Level", "DETAILED"));
        Assert.Empty(configuration.Validate());
        var silo = new ServicesOnlySiloBuilder();
        SiloHost.Configure(
            silo,
            configuration,
            new SiloBuilder().ConsumeStream<ClickEvent, UserActivityPartitionGrain>(IUserActivityPartition.StreamNamespace),
            siloId: "silo-1",
            dataDirectory: "data",
            incarnation: "incarnation");
        using var services = silo.Services.BuildServiceProvider();

        var validators = services.GetServices<IConfigurationValidator>().ToList();
        foreach (var validator in validators)
        {
            validator.ValidateConfiguration();
        }

        Assert.Equal(
            ["KeyedStateOptionsValidator", "KinesisStreamOptionsValidator", "PartitionStoreOptionsValidator", "S3SnapshotOptionsValidator", "StreamingMonitorOptionsValidator"],
            validators.Select(v => v.GetType().Name).Where(n => n.EndsWith("OptionsValidator", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Sinks_bind_by_type_from_the_silos_connection_settings_and_are_validated_by_key()
    {
        var configuration = Bind(
            ("Snapshots:Bucket", "state"),
            ("Snapshots:ServiceUrl", "http://127.0.0.1:4569"),
            ("Sinks:clicks:Type", "Delta"),
            ("Sinks:clicks:StateName", "user-activity"),
            ("Sinks:clicks:Path", "tables/clicks"),
            ("Sinks:clicks:PartitionColumns", "date(timestamp)"),
            ("Sinks:users:Type", "dynamodb"),
            ("Sinks:users:StateName", "user-activity"),
            ("Sinks:users:Tabel", "users"),
            ("Sinks:out:Type", "Kafka"));

        Assert.Equal(
            [
                "Sinks:out:Type 'Kafka' is not a sink type: Delta, DynamoDB or Kinesis.",
                "Sinks:users:Tabel is not a known setting; did you mean Sinks:users:Table?",
            ],
            configuration.BindingProblems.Order(StringComparer.Ordinal));
        var delta = Assert.IsType<KinesisGrains.Sinks.Delta.DeltaSinkOptions>(configuration.Sinks[0].Options);
        Assert.Equal(("clicks", "state", "http://127.0.0.1:4569/", "tables/clicks"), (delta.Name, delta.Bucket, delta.ServiceUrl?.ToString(), delta.Path));
        Assert.Equal(["date(timestamp)"], delta.PartitionColumns);
        Assert.Equal(SinkType.DynamoDB, configuration.Sinks[1].Type);
        Assert.Contains(configuration.Validate(), e => e.StartsWith("Sinks:users:", StringComparison.Ordinal) && e.Contains("Table", StringComparison.Ordinal));
    }

    private static SiloConfiguration Bind(params (string Key, string? Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(s_required.Select(s => KeyValuePair.Create(s.Key, s.Value)))
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value)))
            .Build();
        return SiloConfiguration.Bind(configuration);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orleans.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Orleans.sln above {AppContext.BaseDirectory}.");
    }

    private sealed class ServicesOnlySiloBuilder : ISiloBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();

        public IConfiguration Configuration { get; } = new ConfigurationBuilder().Build();
    }
}
