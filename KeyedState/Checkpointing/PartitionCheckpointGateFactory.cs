using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Abstractions.Views;
using Orleans;

namespace KinesisGrains.KeyedState.Checkpointing;

/// <summary>Gives each stream provider a <see cref="PartitionCheckpointBarrier"/> over the hosted partition grain classes of its views.</summary>
internal sealed class PartitionCheckpointGateFactory(IGrainFactory grains, PartitionGrainClasses classes) : ICheckpointGateFactory
{
    public ICheckpointGate Create(string providerName, StreamLanes lanes, Action<IReadOnlyList<PartitionProgress>> stateReported) =>
        new PartitionCheckpointBarrier(grains, classes, lanes, stateReported);

    public IEnumerable<string> Problems(StreamLanes lanes) => PartitionGrainViews.Problems(classes.Classes, lanes);
}
