using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.Streaming.Kinesis;

/// <summary>
/// Tells a Kinesis stream provider that its silo stops, just before Orleans stops the pulling agents (the provider's
/// stage, <see cref="ServiceLifecycleStage.Active"/>; stages stop from the highest down): from then on the balancer
/// takes no lease, and each receiver releases its lease after its final checkpoint.
/// </summary>
internal sealed class KinesisStreamStopping(KinesisStreamContext context) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(
            nameof(KinesisStreamStopping) + "-" + context.ProviderName,
            ServiceLifecycleStage.Active + 1,
            _ => Task.CompletedTask,
            _ =>
            {
                context.BeginStopping();
                return Task.CompletedTask;
            });
}
