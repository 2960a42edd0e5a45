using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.KeyedState.Storage;

/// <summary>
/// Creates the silo's <see cref="PartitionStateStores"/> as the silo starts, in the background: RocksDB's native library
/// loads (and, with snapshots, the S3 and fence clients are made) while the silo starts and the stream provider takes
/// its leases and makes its first fetch, instead of in the first partition activation, where every partition of the
/// first delivery waited for it. Nothing waits for it here: a partition that activates sooner awaits the same work.
/// </summary>
internal sealed partial class PartitionStateStoresWarmUp(IServiceProvider services, ILogger<PartitionStateStoresWarmUp> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PartitionStateStoresWarmUp), ServiceLifecycleStage.RuntimeInitialize, OnStart);

    private Task OnStart(CancellationToken cancellationToken)
    {
        _ = Task.Run(WarmUpAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task WarmUpAsync()
    {
        try
        {
            await services.GetRequiredService<PartitionStateStores>().WarmUpAsync();
        }
        catch (Exception exception)
        {
            // Partitions that open their stores meet the same failure and report it to their callers.
            LogWarmUpFailed(logger, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Creating the partitions' stores (RocksDB) at silo start failed; partitions that activate fail the same way")]
    private static partial void LogWarmUpFailed(ILogger logger, Exception exception);
}
