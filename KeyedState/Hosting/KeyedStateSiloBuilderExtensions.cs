using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.KeyedState.Checkpointing;
using KinesisGrains.Abstractions.Placement;
using KinesisGrains.KeyedState.Placement;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.KeyedState.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

using KinesisGrains.KeyedState;

namespace Orleans.Hosting;

/// <summary>Registers keyed-state partition grains and their RocksDB stores on a silo.</summary>
public static class KeyedStateSiloBuilderExtensions
{
    /// <summary>
    /// The partitions' stores: RocksDB under <paramref name="stateDirectory"/> (one folder per state and partition)
    /// with <paramref name="storeOptions"/>, and S3 snapshots when <paramref name="snapshots"/> is given.
    /// </summary>
    /// <param name="snapshotFence">
    /// Builds the fence of the partitions' snapshot writers (with <paramref name="snapshots"/>): the DynamoDB pointer
    /// table for silos sharing a bucket. Null: fenced within this process only (one silo, tests, benchmarks).
    /// </param>
    public static ISiloBuilder AddKeyedState(
        this ISiloBuilder builder,
        KeyedStateOptions options,
        PartitionStoreOptions storeOptions,
        string stateDirectory,
        S3SnapshotOptions? snapshots = null,
        Func<IServiceProvider, ISnapshotFence>? snapshotFence = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(storeOptions);
        ArgumentException.ThrowIfNullOrWhiteSpace(stateDirectory);

        // Checked when the silo starts, as Orleans checks its own options: every problem named at once.
        builder.Services.AddTransient<IConfigurationValidator>(_ => new KeyedStateOptionsValidator(options));
        builder.Services.AddTransient<IConfigurationValidator>(_ => new PartitionStoreOptionsValidator(storeOptions));
        if (snapshots is not null)
        {
            builder.Services.AddTransient<IConfigurationValidator>(_ => new S3SnapshotOptionsValidator(snapshots));
        }

        builder.Services.AddSingleton(options);
        AddCheckpointGate(builder.Services);
        builder.Services.AddSingleton(services => new PartitionStateStores(
            storeOptions,
            stateDirectory,
            snapshots is null ? null : new S3SnapshotStore(snapshots, services.GetRequiredService<ILogger<S3SnapshotStore>>()),
            services.GetRequiredService<ILogger<PartitionStateStores>>(),
            snapshots is null ? null : snapshotFence?.Invoke(services)));
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, PartitionStateStoresWarmUp>();

        // Partition grains are [ShardAffinityPlacement]: next to their shard's reader when a stream provider says
        // where that is (IPartitionPlacement), else where Orleans' default placement puts them.
        if (!builder.Services.Any(s => s.IsKeyedService && Equals(s.ServiceKey, typeof(ShardAffinityPlacement))))
        {
            builder.AddPlacementDirector<ShardAffinityPlacement, ShardAffinityPlacementDirector>();
        }

        // A restore from S3 can take longer than Orleans' default 30 s activation limit, and so can a partition's
        // hand-over (a final snapshot, its sinks' commits, a snapshot without the rows) when S3 is slow: cut off at
        // 30 s, its upload is cancelled, a message wakes the partition from its older snapshot with the rows still
        // staged, and a live rescale that follows finds them (RescaleKillTests in CI, uploads taking 17-24 s each).
        // The deactivation gets as long as a tool waits for a hand-over (PartitionHandOvers.GivenUpAfter).
        builder.Services.Configure<GrainCollectionOptions>(o =>
        {
            o.ActivationTimeout = TimeSpan.FromMinutes(10);
            o.DeactivationTimeout = PartitionHandOvers.GivenUpAfter;
        });

        // Orleans makes every grain class of the loaded assemblies a grain type, and an implicit subscription activates
        // it for its namespace's events. A partition grain class this silo does not host (AddKeyedStatePartition) would
        // apply them with no checkpoint barrier vouching for it, and dead-letter records a second time: it is no grain here.
        builder.Services.AddOptions<GrainTypeOptions>().PostConfigure<IEnumerable<PartitionGrainClass>>((grainTypes, hosted) =>
        {
            var hostedClasses = hosted.Select(h => h.GrainClass).ToHashSet();
            grainTypes.Classes.RemoveWhere(type => typeof(IPartitionCheckpoint).IsAssignableFrom(type) && !hostedClasses.Contains(type));
        });
        return builder;
    }

    /// <summary>Hosts <typeparamref name="TGrain"/> as a keyed-state partition: the source checkpoints through it.</summary>
    public static ISiloBuilder AddKeyedStatePartition<TGrain>(this ISiloBuilder builder)
    {
        AddCheckpointGate(builder.Services);
        builder.Services.AddSingleton(new PartitionGrainClass(typeof(TGrain)));
        return builder;
    }

    // The stream providers' checkpoints wait for every partition grain class hosted here.
    private static void AddCheckpointGate(IServiceCollection services)
    {
        services.TryAddSingleton<PartitionGrainClasses>();
        services.TryAddSingleton<PartitionHandOvers>();
        services.TryAddSingleton<ICheckpointGateFactory, PartitionCheckpointGateFactory>();
    }
}
