using KinesisGrains.Abstractions.Monitoring;

namespace KinesisGrains.Abstractions.ExactlyOnce;

/// <summary>
/// Makes a stream provider's <see cref="ICheckpointGate"/>. Keyed state registers one; a provider on a silo without
/// it has no state to make durable, and every checkpoint passes.
/// </summary>
public interface ICheckpointGateFactory
{
    /// <param name="providerName">The stream provider whose checkpoints the gate holds.</param>
    /// <param name="partitionCount">How many partitions the provider's records are routed to.</param>
    /// <param name="stateReported">Gets what every partition did since its previous barrier (the state part of a progress record).</param>
    ICheckpointGate Create(string providerName, int partitionCount, Action<IReadOnlyList<PartitionProgress>> stateReported);
}
