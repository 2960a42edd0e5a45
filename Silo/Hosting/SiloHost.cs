using Amazon.Runtime;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Kinesis.Leasing;
using KinesisGrains.Kinesis.Source;
using KinesisGrains.RocksDb;
using KinesisGrains.RocksDb.Snapshots;
using KinesisGrains.RocksDb.Storage;
using KinesisGrains.Runtime.DeadLetters;
using KinesisGrains.Runtime.Grains;
using KinesisGrains.Runtime.Partitions;
using KinesisGrains.Runtime.Storage;
using KinesisGrains.Silo.Checkpointing;
using KinesisGrains.Silo.Configuration;
using KinesisGrains.Silo.DeadLetters;
using KinesisGrains.Silo.Endpoints;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace KinesisGrains.Silo.Hosting;

/// <summary>Builds and starts a silo from configuration; used by the executable and by tests that host silos in-process.</summary>
public static class SiloHost
{
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
            Console.WriteLine($"Silo listening on {silo.HttpEndpoint} (Ctrl+C to stop)");
            await silo.WaitForShutdownAsync();
        }

        return 0;
    }

    /// <summary>Validates the configuration, checks the stream, DynamoDB and the state folder, and starts the silo.</summary>
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
        var siloBuilder = new SiloBuilder();
        configure(siloBuilder);
        if (siloBuilder.StreamPipelineFactory is null)
        {
            throw new SiloStartupException("No grain consumes the stream: call ConsumeStream<TEvent, TGrain>() when configuring the silo.", SiloStartupException.InvalidConfiguration);
        }

        var kinesis = siloBuilder.KinesisHttpHandler is { } handler
            ? new KinesisClient(configuration.KinesisClient, handler)
            : new KinesisClient(configuration.KinesisClient);
        var stream = await CheckStreamAsync(kinesis, configuration, cancellationToken);
        var dynamo = DynamoDbClientFactory.Create(configuration.DynamoDb);
        var leases = new ShardLeaseTable(dynamo, configuration.Silo.ApplicationName);
        await CheckLeaseTableAsync(leases, configuration, cancellationToken);

        var dataDirectory = Path.GetFullPath(configuration.Silo.DataDirectory);
        var siloId = configuration.Silo.SiloId ?? PersistedSiloId(dataDirectory);
        await CheckStreamIdentityAsync(leases, stream, configuration, dataDirectory, cancellationToken);

        builder.WebHost.UseUrls(configuration.Silo.HttpUrl);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        var app = builder.Build();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        var resources = new List<IDisposable>();
        var (stores, s3Snapshotter) = configuration.SnapshotsEnabled
            ? await RestoreFromSnapshotsAsync(configuration, dynamo, leases, siloId, dataDirectory, loggers, resources, cancellationToken)
            : (OpenStores(Path.Combine(dataDirectory, "state"), configuration.Grains.PartitionCount, configuration.State, disableWal: false), null);
        resources.Insert(0, stores);
        var localDeadLetters = new LocalDeadLetterQueue(Path.Combine(dataDirectory, "dead-letters"));
        IDeadLetterQueue deadLetters = localDeadLetters;
        S3DeadLetterQueue? shipped = null;
        if (configuration.DeadLetterS3Prefix is { } deadLetterPrefix)
        {
            shipped = new S3DeadLetterQueue(
                localDeadLetters,
                S3ClientFactory.Create(configuration.Snapshots),
                configuration.Snapshots.Bucket,
                $"{deadLetterPrefix.Trim('/')}/{configuration.Silo.ApplicationName}",
                siloId,
                configuration.DeadLetterFlushInterval,
                loggers.CreateLogger<S3DeadLetterQueue>());
            deadLetters = shipped;
        }

        GrainRuntime runtime;
        KinesisStreamSource source;
        try
        {
            runtime = new GrainRuntime(p => stores[p], new GrainTypeRegistry(siloBuilder.GrainClasses), configuration.Grains, deadLetters, app.Services, loggers);
            s3Snapshotter?.Attach(runtime);
            var pipeline = siloBuilder.StreamPipelineFactory(runtime, deadLetters);
            var snapshotter = (IStateSnapshotter?)s3Snapshotter ?? new LocalStateSnapshotter(runtime);
            var checkpointer = new ShardCheckpointer(leases, snapshotter, siloId, TimeProvider.System, loggers.CreateLogger<ShardCheckpointer>());
            var spill = configuration.Source.FetchBufferSpillDirectory is { Length: > 0 } configured ? configured : Path.Combine(dataDirectory, "fetch-spill");
            source = new KinesisStreamSource(kinesis, leases, pipeline, checkpointer, configuration.Source, siloId, spill, TimeProvider.System, loggers);
        }
        catch
        {
            await (shipped?.DisposeAsync() ?? ValueTask.CompletedTask);
            resources.ForEach(r => r.Dispose());
            throw;
        }

        app.MapGrainCalls(runtime);
        app.MapStatus(new SiloStatus(siloId, configuration.Silo.ApplicationName, configuration.Source.StreamName, source, runtime, s3Snapshotter));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException exception)
        {
            await runtime.DisposeAsync();
            await (shipped?.DisposeAsync() ?? ValueTask.CompletedTask);
            resources.ForEach(r => r.Dispose());
            throw new SiloStartupException($"Cannot listen on {configuration.Silo.HttpUrl}: {exception.Message}", SiloStartupException.DependencyUnavailable, exception);
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        await source.StartAsync(cancellationToken);
        return new SiloInstance(app, new Uri(address), source, runtime, shipped, resources);
    }

    private static SiloConfiguration BindAndValidate(IConfiguration configuration)
    {
        SiloConfiguration bound;
        try
        {
            bound = SiloConfiguration.Bind(configuration);
        }
        catch (InvalidOperationException exception)
        {
            throw new SiloStartupException($"Invalid configuration: {exception.Message}", SiloStartupException.InvalidConfiguration, exception);
        }

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
            var endpoint = configuration.DynamoDb.ServiceUrl?.ToString() ?? "AWS " + configuration.DynamoDb.Region;
            throw new SiloStartupException(
                $"DynamoDB at {endpoint} could not be used for the lease table '{leases.TableName}': {exception.Message}",
                SiloStartupException.DependencyUnavailable,
                exception);
        }
    }

    /// <summary>
    /// Refuses checkpoints (and local state) made on an earlier stream of the same name: its sequence numbers mean
    /// nothing on the new one, so records would be skipped or replayed silently.
    /// </summary>
    private static async Task CheckStreamIdentityAsync(
        ShardLeaseTable leases, StreamDescriptionSummary stream, SiloConfiguration configuration, string dataDirectory, CancellationToken cancellationToken)
    {
        var current = new StreamIdentity(stream.StreamName, stream.StreamArn, stream.StreamCreationTimestamp);
        var recorded = await leases.RecordStreamIdentityAsync(current, cancellationToken);
        if (recorded.IsSameStreamAs(current))
        {
            return;
        }

        if (!configuration.Source.ResetIfStreamRecreated)
        {
            throw new SiloStartupException(
                $"Kinesis stream '{stream.StreamName}' was deleted and created again: the checkpoints in table '{leases.TableName}' belong to the stream created at {recorded.CreationTimestamp:O}, " +
                $"but the stream now was created at {current.CreationTimestamp:O}. To start fresh, use a new Silo:ApplicationName, or set Kinesis:ResetIfStreamRecreated=true to delete the old checkpoints and local state.",
                SiloStartupException.InvalidConfiguration);
        }

        await leases.ResetAsync(cancellationToken);
        var state = Path.Combine(dataDirectory, "state");
        if (Directory.Exists(state))
        {
            Directory.Delete(state, recursive: true);
        }

        await leases.RecordStreamIdentityAsync(current, cancellationToken);
    }

    /// <summary>
    /// The silo's identity as a lease owner, kept in its data folder: a silo restarted on the same folder takes its
    /// own leases back at once instead of waiting out the failover time.
    /// </summary>
    private static string PersistedSiloId(string dataDirectory)
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

    /// <summary>
    /// With S3 snapshots: takes the partition leases, restores each partition's snapshot, moves shard checkpoints
    /// back when an older snapshot had to be used, and opens the stores with the WAL off (snapshots plus replay make
    /// state durable, as in Flink and Kafka Streams).
    /// </summary>
    private static async Task<(PartitionedRocksDbStores Stores, S3StateSnapshotter Snapshotter)> RestoreFromSnapshotsAsync(
        SiloConfiguration configuration,
        Amazon.DynamoDBv2.IAmazonDynamoDB dynamo,
        ShardLeaseTable leases,
        string siloId,
        string dataDirectory,
        ILoggerFactory loggers,
        List<IDisposable> resources,
        CancellationToken cancellationToken)
    {
        var options = configuration.Snapshots;
        options.Prefix = string.IsNullOrEmpty(options.Prefix) ? configuration.Silo.ApplicationName : $"{options.Prefix}/{configuration.Silo.ApplicationName}";
        await CheckBucketAsync(options, configuration.CreateSnapshotBucket, cancellationToken);
        var s3 = new S3SnapshotStore(options, loggers.CreateLogger<S3SnapshotStore>());
        resources.Add(s3);
        var path = Path.Combine(dataDirectory, "state");
        var stores = new PartitionedRocksDbStores(path, configuration.Grains.PartitionCount, configuration.State, disableWal: true);
        var snapshotter = new S3StateSnapshotter(
            s3, new PartitionLeaseTable(dynamo, leases.TableName), stores, siloId, Path.Combine(dataDirectory, "snapshot-work"), loggers.CreateLogger<S3StateSnapshotter>());
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(10));
            var olderSnapshots = await snapshotter.RestoreAsync(configuration.Source.LeaseFailoverTime, timeout.Token);
            await CheckpointRewinder.RewindAsync(leases, olderSnapshots, timeout.Token);
            for (var partition = 0; partition < stores.PartitionCount; partition++)
            {
                _ = stores[partition];
            }
        }
        catch (Exception exception) when (exception is AmazonServiceException or AmazonClientException or InvalidOperationException or OperationCanceledException or RocksDbException or IOException)
        {
            stores.Dispose();
            s3.Dispose();
            throw new SiloStartupException($"Cannot restore the state from S3 bucket '{options.Bucket}': {exception.Message}", SiloStartupException.DependencyUnavailable, exception);
        }

        return (stores, snapshotter);
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
            await s3.PutBucketAsync(options.Bucket, cancellationToken);
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

    private static PartitionedRocksDbStores OpenStores(string path, int partitionCount, PartitionStoreOptions options, bool disableWal)
    {
        PartitionedRocksDbStores? stores = null;
        try
        {
            stores = new PartitionedRocksDbStores(path, partitionCount, options, disableWal);
            for (var partition = 0; partition < partitionCount; partition++)
            {
                _ = stores[partition];
            }

            return stores;
        }
        catch (Exception exception) when (exception is RocksDbException or IOException or UnauthorizedAccessException)
        {
            stores?.Dispose();
            throw new SiloStartupException($"Cannot open the state store at '{path}': {exception.Message}", SiloStartupException.DependencyUnavailable, exception);
        }
    }
}
