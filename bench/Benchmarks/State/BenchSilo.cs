using System.Net;
using System.Net.Sockets;
using KinesisGrains.Benchmarks.State.Synthetic;
using KinesisGrains.KeyedState;
using KinesisGrains.KeyedState.Hosting;
using KinesisGrains.RocksDb.Snapshots;
using KinesisGrains.RocksDb.Storage;
using KinesisGrains.Runtime.DeadLetters;
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
/// stores, fed by the synthetic stream provider instead of Kinesis.
/// </summary>
internal sealed class BenchSilo : IAsyncDisposable
{
    public const string StreamProviderName = "synthetic";

    private readonly IHost _host;

    private BenchSilo(IHost host)
    {
        _host = host;
    }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    /// <param name="stateDirectory">Where the partitions' RocksDB folders go.</param>
    /// <param name="snapshots">S3 snapshots, as a production silo has them: with them the partitions write with the WAL off.</param>
    /// <param name="cacheSize">Containers in each queue's Orleans cache.</param>
    public static async Task<BenchSilo> StartAsync(SyntheticLoad load, RunProgress progress, string stateDirectory, S3SnapshotOptions? snapshots, int maxKeysInMemoryPerPartition, int cacheSize)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(FreePort(), FreePort(), serviceId: "state-bench", clusterId: "state-bench-" + Guid.NewGuid().ToString("N")[..8]);
            silo.Configure<EndpointOptions>(o => o.AdvertisedIPAddress = IPAddress.Loopback);
            silo.Services.AddSingleton(load);
            silo.Services.AddSingleton(progress);
            silo.Services.AddSingleton<IDeadLetterQueue>(new NoDeadLetters());
            var keyedState = new KeyedStateOptions
            {
                PartitionCount = load.PartitionCount,
                StateDirectory = stateDirectory,
                MaxActivationsPerPartition = maxKeysInMemoryPerPartition,
            };
            silo.AddKeyedState(keyedState, new PartitionStoreOptions(), snapshots);
            silo.AddKeyedStatePartition<CounterPartitionGrain>();
            silo.AddPersistentStreams(
                StreamProviderName,
                (services, name) => new SyntheticAdapterFactory(name, load, cacheSize, services.GetRequiredService<ILoggerFactory>()),
                stream =>
                {
                    stream.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);

                    // As the Kinesis provider: one container per delivery call.
                    stream.ConfigurePullingAgent(agent => agent.Configure(o => o.BatchContainerBatchSize = 1));
                });
        });

        var host = builder.Build();
        await host.StartAsync();
        return new BenchSilo(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
