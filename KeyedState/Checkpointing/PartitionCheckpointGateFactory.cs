using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Monitoring;
using Orleans;

namespace KinesisGrains.KeyedState.Checkpointing;

/// <summary>Gives each stream provider a <see cref="PartitionCheckpointBarrier"/> over every hosted partition grain class.</summary>
internal sealed class PartitionCheckpointGateFactory(IGrainFactory grains, PartitionGrainClasses classes) : ICheckpointGateFactory
{
    public ICheckpointGate Create(string providerName, int partitionCount, Action<IReadOnlyList<PartitionProgress>> stateReported) =>
        new PartitionCheckpointBarrier(grains, classes, partitionCount, stateReported);
}
