using System.Text;
using KinesisGrains.KeyedState;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.KeyedState.Tests;

/// <summary>
/// RocksDB's native library loads as the silo starts, not in the first partition activation: there it held every
/// partition of the first delivery (and their thread-pool threads, waiting for the stores' singleton) for 0.4-0.8 s.
/// </summary>
public sealed class PartitionStateStoresWarmUpTests
{
    [Fact]
    public async Task A_silo_creates_the_partition_stores_when_it_starts_before_any_partition_activates()
    {
        using var folder = new TempDirectory("stores-warm-up");
        var stateDirectory = Path.Combine(folder.Path, "state");
        var services = new ServiceCollection().AddLogging();
        new FakeSiloBuilder(services).AddKeyedState(new KeyedStateOptions(), new PartitionStoreOptions(), stateDirectory);
        await using var provider = services.BuildServiceProvider();
        var lifecycle = new FakeSiloLifecycle();
        foreach (var participant in provider.GetServices<ILifecycleParticipant<ISiloLifecycle>>())
        {
            participant.Participate(lifecycle);
        }

        Assert.False(Directory.Exists(stateDirectory));
        var started = lifecycle.StartAsync();

        // The stores' constructor makes their folder: nothing but the silo's start asked for them.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!Directory.Exists(stateDirectory) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.True(Directory.Exists(stateDirectory), "the silo's start did not create the partition stores");
        await started;

        // The start does not wait for RocksDB; the stores say when it is loaded.
        await provider.GetRequiredService<PartitionStateStores>().WarmUpAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_store_opens_once_the_block_cache_made_in_the_background_is_ready()
    {
        using var folder = new TempDirectory("stores-warm-up");
        using var stores = new PartitionStateStores(new PartitionStoreOptions(), folder.Path, null, NullLogger<PartitionStateStores>.Instance);

        // Opened at once, without waiting for WarmUpAsync: the open waits for the cache itself.
        using var store = await stores.OpenAsync("counts", 3, CancellationToken.None);
        Assert.True(stores.WarmUpAsync().IsCompletedSuccessfully);
        using (var batch = store.Store.CreateBatch())
        {
            batch.Put("k"u8, "v"u8);
            store.Store.Write(batch);
        }

        Assert.Equal("v", Encoding.UTF8.GetString(store.Store.Get("k"u8)!));
    }

    [Fact]
    public void Stores_disposed_while_the_block_cache_is_still_being_made_wait_for_it_and_free_it()
    {
        using var folder = new TempDirectory("stores-warm-up");
        var stores = new PartitionStateStores(new PartitionStoreOptions(), folder.Path, null, NullLogger<PartitionStateStores>.Instance);
        stores.Dispose();
        Assert.True(stores.WarmUpAsync().IsCompleted);
    }

    private sealed class FakeSiloBuilder(IServiceCollection services) : ISiloBuilder
    {
        public IServiceCollection Services { get; } = services;

        public IConfiguration Configuration { get; } = new ConfigurationBuilder().Build();
    }

    /// <summary>Runs the start of every stage subscribed, lowest first, as Orleans' silo lifecycle does.</summary>
    private sealed class FakeSiloLifecycle : ISiloLifecycle
    {
        private readonly List<(int Stage, ILifecycleObserver Observer)> _observers = [];

        public int HighestCompletedStage { get; private set; } = int.MinValue;

        public int LowestStoppedStage { get; } = int.MaxValue;

        public IDisposable Subscribe(string observerName, int stage, ILifecycleObserver observer)
        {
            _observers.Add((stage, observer));
            return new Unsubscriber();
        }

        public async Task StartAsync()
        {
            foreach (var stage in _observers.GroupBy(o => o.Stage).OrderBy(g => g.Key))
            {
                await Task.WhenAll(stage.Select(o => o.Observer.OnStart(CancellationToken.None)));
                HighestCompletedStage = stage.Key;
            }
        }

        private sealed class Unsubscriber : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }
}
