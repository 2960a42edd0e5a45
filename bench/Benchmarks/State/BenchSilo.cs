using System.Net;
using System.Net.Sockets;
using KinesisGrains.Benchmarks.State.Synthetic;
using KinesisGrains.KeyedState;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.Abstractions.DeadLetters;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Streams;

namespace KinesisGrains.Benchmarks.State;

/// <summary>
/// An Orleans silo in this process (localhost clustering on free ports) with the real keyed-state partition grains and
/// stores, fed by the synthetic stream provider instead of Kinesis; <see cref="OrleansRun"/> times runs on it.
/// </summary>
internal sealed class BenchSilo : IAsyncDisposable
{
    public const string StreamProviderName = "synthetic";

    private readonly IHost _host;

    private BenchSilo(IHost host, OrleansRunSettings settings, SyntheticFeed feed, RunProgress progress)
    {
        _host = host;
        Settings = settings;
        Feed = feed;
        Progress = progress;
    }

    public OrleansRunSettings Settings { get; }

    public SyntheticFeed Feed { get; }

    public RunProgress Progress { get; }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public IServiceProvider Services => _host.Services;

    /// <param name="stateDirectory">Where the partitions' RocksDB folders go.</param>
    /// <param name="snapshots">S3 snapshots, as a production silo has them: with them the partitions write with the WAL off.</param>
    /// <param name="configure">More of the silo (sinks, grain classes of one benchmark).</param>
    public static async Task<BenchSilo> StartAsync(OrleansRunSettings settings, string stateDirectory, S3SnapshotOptions? snapshots, Action<ISiloBuilder>? configure = null)
    {
        var feed = new SyntheticFeed(settings.Partitions, settings.Queues);
        var progress = new RunProgress();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(FreePort(), FreePort(), serviceId: "state-bench", clusterId: "state-bench-" + Guid.NewGuid().ToString("N")[..8]);
            silo.Configure<EndpointOptions>(o => o.AdvertisedIPAddress = IPAddress.Loopback);
            silo.Services.AddSingleton(progress);
            silo.Services.AddSingleton<IDeadLetterQueue>(new NoDeadLetters());
            var keyedState = new KeyedStateOptions
            {
                PartitionCount = settings.Partitions,
                MaxActivationsPerPartition = settings.MaxKeysInMemoryPerPartition,
            };
            silo.AddKeyedState(keyedState, new PartitionStoreOptions(), stateDirectory, snapshots);
            silo.AddKeyedStatePartition<CounterPartitionGrain>();
            silo.AddKeyedStatePartition<WarmUpCounterPartitionGrain>();
            configure?.Invoke(silo);
            silo.AddPersistentStreams(
                StreamProviderName,
                (services, name) => new SyntheticAdapterFactory(name, feed, settings.CacheSize, services.GetRequiredService<ILoggerFactory>()),
                stream =>
                {
                    stream.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);

                    // As the Kinesis provider: one container per delivery call.
                    stream.ConfigurePullingAgent(agent => agent.Configure(o =>
                    {
                        // As the Kinesis provider configures its agents.
                        o.BatchContainerBatchSize = 1;
                        o.GetQueueMsgsTimerPeriod = Orleans.Hosting.KinesisStreamingExtensions.PullingAgentPeriod;
                    }));
                });
        });

        var host = builder.Build();
        await host.StartAsync();
        return new BenchSilo(host, settings, feed, progress);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        Progress.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
