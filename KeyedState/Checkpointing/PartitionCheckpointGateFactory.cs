using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Abstractions.Views;
using Microsoft.Extensions.DependencyInjection;
using Orleans;

namespace KinesisGrains.KeyedState.Checkpointing;

/// <summary>Gives each stream provider a <see cref="PartitionCheckpointBarrier"/> over the hosted partition grain classes of its views.</summary>
/// <remarks>The grain factory is resolved when a gate is made: the providers' validators ask for <see cref="Problems"/> first.</remarks>
internal sealed class PartitionCheckpointGateFactory(IServiceProvider services, PartitionGrainClasses classes) : ICheckpointGateFactory
{
    public ICheckpointGate Create(string providerName, StreamLanes lanes, Action<IReadOnlyList<PartitionProgress>> stateReported) =>
        new PartitionCheckpointBarrier(services.GetRequiredService<IGrainFactory>(), classes, lanes, stateReported, services.GetService<ILocalActivationStatusChecker>(), services.GetService<KeyedStateOptions>(), services.GetService<PartitionHandOvers>());

    public IEnumerable<string> Problems(StreamLanes lanes) => PartitionGrainViews.Problems(classes.Classes, lanes);
}
