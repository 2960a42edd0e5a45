using System.Net.Sockets;
using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using KinesisGrains.Abstractions.DeadLetters;
using KinesisGrains.DynamoDB;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.Sinks.Delta;
using KinesisGrains.Sinks.DynamoDB;
using KinesisGrains.Sinks.Kinesis;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Silo.Configuration;
using KinesisGrains.Silo.DeadLetters;
using KinesisGrains.Silo.Endpoints;
using KinesisGrains.Silo.Health;
using KinesisGrains.Silo.Monitoring;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Streaming.Kinesis.Source;
using KinesisGrains.Streaming.Kinesis.Monitoring;
using KinesisGrains.Streaming.Kinesis;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace KinesisGrains.Silo.Hosting;

/// <summary>
/// Builds and starts an Orleans silo from configuration, with the Kinesis stream provider and the keyed-state
/// partitions; used by the executable and by tests that host silos in-process.
/// </summary>
public static class SiloHost
{
    /// <summary>The name of the Kinesis stream provider in the silo.</summary>
    public const string StreamProviderName = "kinesis";

    /// <summary>Runs a silo until SIGTERM or Ctrl+C; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, Action<SiloBuilder> configure)
    {
        SiloInstance silo;
        try
        {
            silo = await StartAsync(args, configure);
        }
        catch (SiloStartupException exception)
        {
            await Console.Error.WriteLineAsync($"error: {exception.Message}");
            return exception.ExitCode;
        }

        await using (silo)
        {
            Console.WriteLine($"Silo listening on {silo.HttpEndpoint}, Orleans gateway on 127.0.0.1:{silo.GatewayPort} (Ctrl+C to stop)");
            if (silo.StreamingDashboard is { } dashboard)
            {
                Console.WriteLine($"Dashboards: {dashboard} (streaming), {new Uri(silo.HttpEndpoint, DashboardEndpoints.OrleansDashboardPath + "/")} (Orleans)");
            }
            await silo.WaitForShutdownAsync();
        }

        return 0;
    }

    /// <summary>Validates the configuration, checks the stream, DynamoDB, S3 and the state folder, and starts the silo.</summary>
    /// <exception cref="SiloStartupException">With a message that says what is wrong and an exit code.</exception>
    public static async Task<SiloInstance> StartAsync(
        string[] args,
        Action<SiloBuilder> configure,
        IEnumerable<KeyValuePair<string, string?>>? settings = null,
        CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        var configuration = BindAndValidate(builder.Configuration);
        var siloBuilder = new SiloBuilder { Configuration = builder.Configuration };
        configure(siloBuilder);
        if (siloBuilder.AddStream is null)
        {
            throw new SiloStartupException("No grain consumes the stream: call ConsumeStream<TEvent, TPartitionGrain>() when configuring the silo.", SiloStartupException.InvalidConfiguration);
        }

        if (EventTimeOptionsValidator.SourceProblem(configuration.EventTime, siloBuilder.HasEventTimeExtractor) is { } eventTimeProblem)
        {
            throw new SiloStartupException("Invalid configuration:" + Environment.NewLine + "  - " + eventTimeProblem, SiloStartupException.InvalidConfiguration);
        }

        var dataDirectory = Path.GetFullPath(configuration.Silo.DataDirectory);
        var siloId = configuration.Silo.SiloId ?? PersistedSiloId(dataDirectory);
        SoleSiloClaim? claim = null;
        try
        {
            string incarnation;
            using (var kinesis = siloBuilder.KinesisHttpHandler is { } handler
                ? new KinesisClient(configuration.KinesisClient, handler)
                : new KinesisClient(configuration.KinesisClient))
            {
                var stream = await CheckStreamAsync(kinesis, configuration, cancellationToken);
                // The start-up checks' client; the sole-silo claim renews for the silo's life, so it keeps its own.
                using var dynamo = DynamoDBClientFactory.Create(configuration.DynamoDB);
                var leases = new ShardLeaseTable(dynamo, configuration.Silo.ApplicationName);
                await CheckLeaseTableAsync(leases, configuration, cancellationToken);
                await SiloClusteringSetup.CheckAsync(configuration, NullLogger.Instance, cancellationToken);

                // A reset in progress holds the sole-silo claim: no silo of any clustering starts under it.
                if (await UseLeaseTableAsync(leases, configuration, () => leases.GetSiloClaimAsync(cancellationToken)) is { SiloId: ReadPositionReset.ClaimHolder } reset
                    && !reset.HasLapsed(DateTimeOffset.UtcNow, ReadPositionReset.ClaimLapse))
                {
                    throw new SiloStartupException(
                        $"kgrains reset is resetting the read position of application '{configuration.Silo.ApplicationName}' (lease table '{leases.TableName}'): start the silo once it is done.",
                        SiloStartupException.DependencyUnavailable);
                }

                // Before anything else is written: a second Localhost silo must not reset or pin what the first one runs on.
                claim = configuration.Silo.Clustering == SiloClustering.Localhost
                    ? await UseLeaseTableAsync(leases, configuration, () => SoleSiloClaim.TakeAsync(
                        DynamoDBClientFactory.Create(configuration.DynamoDB), leases.TableName, siloId, configuration.Silo.ApplicationName, cancellationToken))
                    : null;
                incarnation = await StreamIncarnation.CheckAsync(leases, stream, configuration, cancellationToken);

                // After the incarnation: a reset for a recreated stream deletes the facts with the checkpoints, and they are pinned anew.
                await UseLeaseTableAsync(leases, configuration, async () =>
                {
                    await ApplicationFacts.CheckAsync(leases, configuration, cancellationToken);
                    return true;
                });
            }

            return await StartCheckedAsync(builder, configuration, siloBuilder, dataDirectory, siloId, incarnation, claim, cancellationToken);
        }
        catch when (claim is not null)
        {
            // A silo that does not start gives its claim back at once, rather than blocking the next one for the lapse.
            await claim.DisposeAsync();
            throw;
        }
    }

    private static async Task<SiloInstance> StartCheckedAsync(
        WebApplicationBuilder builder,
        SiloConfiguration configuration,
        SiloBuilder siloBuilder,
        string dataDirectory,
        string siloId,
        string incarnation,
        SoleSiloClaim? claim,
        CancellationToken cancellationToken)
    {
        DeleteOtherIncarnations(Path.Combine(dataDirectory, "state", configuration.Silo.ApplicationName), incarnation);

        if (configuration.SnapshotsEnabled)
        {
            configuration.Snapshots.Prefix = SnapshotLocation.Prefix(configuration.Snapshots.Prefix, configuration.Silo.ApplicationName, incarnation);
            await CheckBucketAsync(configuration.Snapshots, configuration.CreateSnapshotBucket, cancellationToken);
        }

        var siloPort = configuration.Silo.SiloPort == 0 ? FreePort() : configuration.Silo.SiloPort;
        var gatewayPort = configuration.Silo.GatewayPort == 0 ? FreePort() : configuration.Silo.GatewayPort;
        builder.WebHost.UseUrls(configuration.Silo.HttpUrl);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.AddMetricsExport(configuration.Metrics, configuration.Silo.ApplicationName, siloId);
        var localDeadLetters = new LocalDeadLetterQueue(Path.Combine(dataDirectory, "dead-letters"));
        builder.UseOrleans(silo =>
        {
            SiloClusteringSetup.Configure(silo, configuration, siloId, siloPort, gatewayPort);
            silo.Services.AddSingleton(localDeadLetters);
            silo.Services.AddSingleton<IDeadLetterQueue>(services => configuration.DeadLetterS3Prefix is { } prefix
                ? new S3DeadLetterQueue(
                    localDeadLetters,
                    S3ClientFactory.Create(configuration.Snapshots),
                    configuration.Snapshots.Bucket,
                    $"{prefix.Trim('/')}/{configuration.Silo.ApplicationName}",
                    configuration.DeadLetterFlushInterval,
                    services.GetRequiredService<ILogger<S3DeadLetterQueue>>())
                : localDeadLetters);
            Configure(silo, configuration, siloBuilder, siloId, dataDirectory, incarnation);
            if (configuration.Dashboard.Enabled)
            {
                silo.AddDashboard(o =>
                {
                    o.CounterUpdateIntervalMs = (int)configuration.Dashboard.CounterUpdateInterval.TotalMilliseconds;
                    o.HideTrace = configuration.Dashboard.HideTrace;
                });
            }
        });
        builder.Services.AddSingleton(services => new StreamReadiness(
            () => services.GetRequiredKeyedService<KinesisStreamContext>(StreamProviderName), services.GetRequiredService<IHostApplicationLifetime>()));
        builder.Services.AddSiloHealthChecks();

        var app = builder.Build();

        // Now, not at the first partition's activation: shipping starts with what an earlier life left unshipped.
        _ = app.Services.GetRequiredService<IDeadLetterQueue>();
        var context = new Lazy<KinesisStreamContext>(() => app.Services.GetRequiredKeyedService<KinesisStreamContext>(StreamProviderName));
        app.MapStatus(new Endpoints.SiloStatus(
            siloId,
            configuration,
            () => context.Value,
            app.Services.GetRequiredService<PartitionStateStores>,
            localDeadLetters,
            app.Services.GetRequiredService<StreamReadiness>(),
            TimeProvider.System));
        app.MapSiloHealth();
        if (configuration.Dashboard.Enabled)
        {
            app.MapDashboards();
        }

        app.MapProgress(() => context.Value.Monitor);
        app.MapMetricsExport(configuration.Metrics);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is IOException or SocketException || exception.InnerException is SocketException)
        {
            await app.DisposeAsync();
            throw new SiloStartupException(
                $"Cannot listen on {configuration.Silo.HttpUrl} or Orleans ports {siloPort}/{gatewayPort}: {exception.Message}", SiloStartupException.DependencyUnavailable, exception);
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        claim?.StartRenewing(app.Services.GetRequiredService<ILogger<SoleSiloClaim>>(), app.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication);
        return new SiloInstance(app, new Uri(address), context.Value, gatewayPort, configuration.Silo.ClusterId, configuration.Dashboard.Enabled, claim);
    }

    /// <summary>
    /// The fence of the partitions' snapshot writers: a pointer row per partition in the DynamoDB table
    /// <c>{ApplicationName}-snapshots</c> (created on first use), keyed by the bucket and prefix, so that silos sharing
    /// the bucket never have two writers of one partition.
    /// </summary>
    internal static DynamoDBSnapshotFence SnapshotFence(SiloConfiguration configuration, IServiceProvider services) => new(
        DynamoDBClientFactory.Create(configuration.DynamoDB),
        new DynamoDBSnapshotFenceOptions
        {
            TableName = SnapshotLocation.FenceTable(configuration.Silo.ApplicationName),
            KeyPrefix = SnapshotLocation.FenceKeyPrefix(configuration.Snapshots.Bucket, configuration.Snapshots.Prefix),
        },
        services.GetRequiredService<ILogger<DynamoDBSnapshotFence>>(),
        ownsClient: true);

    /// <summary>
    /// The Orleans side of a silo from its configuration: the Kinesis stream provider, the keyed-state partitions and
    /// their stores. Also used by tests that build TestingHost clusters.
    /// </summary>
    public static void Configure(ISiloBuilder silo, SiloConfiguration configuration, SiloBuilder siloBuilder, string siloId, string dataDirectory, string incarnation)
    {
        var stateDirectory = Path.Combine(dataDirectory, "state", configuration.Silo.ApplicationName, incarnation);
        silo.ConfigureStreamingMonitor(o =>
        {
            var monitor = configuration.Metrics.ToMonitorOptions();
            (o.Level, o.EnabledDimensions, o.RetainedProgress) = (monitor.Level, monitor.EnabledDimensions, monitor.RetainedProgress);
        });
        silo.AddKeyedState(
            configuration.Grains,
            configuration.State,
            stateDirectory,
            configuration.SnapshotsEnabled ? configuration.Snapshots : null,
            services => SnapshotFence(configuration, services));
        siloBuilder.AddStream!(silo, options =>
        {
            options.Source = configuration.Source;
            options.Client = configuration.KinesisClient;
            options.EventTime = configuration.EventTime;
            options.DynamoDB = configuration.DynamoDB;
            options.ApplicationName = configuration.Silo.ApplicationName;
            options.StreamNamespace = siloBuilder.StreamNamespace!;
            options.PartitionCount = configuration.Grains.PartitionCount;
            options.WorkerId = siloId;
            options.SpillDirectory = configuration.Source.FetchBufferSpillDirectory is { Length: > 0 } spill ? spill : Path.Combine(dataDirectory, "fetch-spill");
            options.HttpHandler = siloBuilder.KinesisHttpHandler;
        });
        foreach (var sink in configuration.Sinks)
        {
            AddSink(silo.Services, sink);
        }

        foreach (var more in siloBuilder.OrleansConfiguration)
        {
            more(silo);
        }
    }

    /// <summary>Registers a configured sink with the options the configuration bound (validated again by Orleans at start).</summary>
    private static void AddSink(IServiceCollection services, SinkSettings sink)
    {
        switch (sink.Options)
        {
            case DynamoDBSinkOptions dynamo:
                services.AddTransient<IConfigurationValidator>(_ => new DynamoDBSinkOptionsValidator(dynamo));
                services.AddRowSink(sink.Name, sp => new DynamoDBSink(dynamo, sp.GetRequiredService<ILogger<DynamoDBSink>>()));
                break;
            case DeltaSinkOptions delta:
                services.AddDeltaSink(sink.Name, options => SinkSettings.CopySettings(delta, options));
                break;
            case KinesisSinkOptions kinesis:
                services.AddTransient<IConfigurationValidator>(_ => new KinesisSinkOptionsValidator(kinesis));
                services.AddRowSink(sink.Name, sp => new KinesisSink(kinesis, sp.GetRequiredService<ILogger<KinesisSink>>(), sp.GetRequiredService<ILogger<KinesisGrains.Kinesis.Client.KinesisClient>>()));
                break;
            default:
                throw new NotSupportedException($"Sinks:{sink.Name}:Type={sink.Type} is not built into this silo.");
        }
    }

    /// <summary>State of an earlier incarnation of the stream is of no use to this one.</summary>
    private static void DeleteOtherIncarnations(string applicationStateDirectory, string incarnation)
    {
        if (!Directory.Exists(applicationStateDirectory))
        {
            return;
        }

        foreach (var directory in Directory.EnumerateDirectories(applicationStateDirectory))
        {
            if (Path.GetFileName(directory) != incarnation)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>Binds every section strictly and validates it; all problems at once, as one exception.</summary>
    public static SiloConfiguration BindAndValidate(IConfiguration configuration)
    {
        var bound = SiloConfiguration.Bind(configuration);
        var errors = bound.Validate();
        if (errors.Count > 0)
        {
            throw new SiloStartupException(
                "Invalid configuration:" + string.Concat(errors.Select(e => Environment.NewLine + "  - " + e)),
                SiloStartupException.InvalidConfiguration);
        }

        return bound;
    }

    private static async Task<StreamDescriptionSummary> CheckStreamAsync(KinesisClient kinesis, SiloConfiguration configuration, CancellationToken cancellationToken)
    {
        var stream = configuration.Source.StreamName;
        try
        {
            return await kinesis.DescribeStreamSummaryAsync(stream, cancellationToken);
        }
        catch (KinesisResourceNotFoundException exception)
        {
            throw new SiloStartupException(
                $"Kinesis stream '{stream}' does not exist at {configuration.KinesisClient.ServiceUrl?.ToString() ?? "AWS " + configuration.KinesisClient.Region}. Create it, or set Kinesis:StreamName.",
                SiloStartupException.DependencyUnavailable,
                exception);
        }
        catch (KinesisUnavailableException exception)
        {
            throw new SiloStartupException(exception.Message, SiloStartupException.DependencyUnavailable, exception);
        }
    }

    /// <summary>Runs a step on the lease table; DynamoDB failing is one sentence with exit code 3, as for the table itself.</summary>
    private static async Task<T> UseLeaseTableAsync<T>(ShardLeaseTable leases, SiloConfiguration configuration, Func<Task<T>> step)
    {
        try
        {
            return await step();
        }
        catch (Exception exception) when (exception is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            var endpoint = configuration.DynamoDB.ServiceUrl?.ToString() ?? "AWS " + configuration.DynamoDB.Region;
            throw new SiloStartupException(
                $"DynamoDB at {endpoint} could not be used for the lease table '{leases.TableName}': {exception.Message}",
                SiloStartupException.DependencyUnavailable,
                exception);
        }
    }

    private static async Task CheckLeaseTableAsync(ShardLeaseTable leases, SiloConfiguration configuration, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            await leases.EnsureCreatedAsync(timeout.Token);
        }
        catch (Exception exception) when (exception is AmazonServiceException or AmazonClientException or HttpRequestException or OperationCanceledException)
        {
            var endpoint = configuration.DynamoDB.ServiceUrl?.ToString() ?? "AWS " + configuration.DynamoDB.Region;
            throw new SiloStartupException(
                $"DynamoDB at {endpoint} could not be used for the lease table '{leases.TableName}': {exception.Message}",
                SiloStartupException.DependencyUnavailable,
                exception);
        }
    }

    /// <summary>
    /// The silo's identity as a lease owner, kept in its data folder: a silo restarted on the same folder takes its
    /// own leases back at once instead of waiting out the failover time.
    /// </summary>
    private static string PersistedSiloId(string dataDirectory)
    {
        try
        {
            Directory.CreateDirectory(dataDirectory);
            var path = Path.Combine(dataDirectory, "silo-id");
            if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } existing)
            {
                return existing;
            }

            var id = $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..8]}";
            File.WriteAllText(path, id);
            return id;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new SiloStartupException($"Cannot use the data folder '{dataDirectory}': {exception.Message}", SiloStartupException.DependencyUnavailable, exception);
        }
    }

    private static async Task CheckBucketAsync(S3SnapshotOptions options, bool create, CancellationToken cancellationToken)
    {
        using var s3 = S3ClientFactory.Create(options);
        var endpoint = options.ServiceUrl?.ToString() ?? "AWS " + options.Region;
        try
        {
            await s3.GetBucketLocationAsync(options.Bucket, cancellationToken);
        }
        catch (Amazon.S3.AmazonS3Exception exception) when (exception.ErrorCode == "NoSuchBucket" && create)
        {
            try
            {
                await s3.PutBucketAsync(options.Bucket, cancellationToken);
            }
            catch (Amazon.S3.AmazonS3Exception raced) when (raced.ErrorCode is "BucketAlreadyExists" or "BucketAlreadyOwnedByYou")
            {
                // Silos started together: another one created it first.
            }
        }
        catch (Amazon.S3.AmazonS3Exception exception) when (exception.ErrorCode == "NoSuchBucket")
        {
            throw new SiloStartupException(
                $"S3 bucket '{options.Bucket}' does not exist at {endpoint}. Create it, or set Snapshots:CreateBucketIfMissing=true.", SiloStartupException.DependencyUnavailable, exception);
        }
        catch (Exception exception) when (exception is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            throw new SiloStartupException($"S3 at {endpoint} could not be used for bucket '{options.Bucket}': {exception.Message}", SiloStartupException.DependencyUnavailable, exception);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
