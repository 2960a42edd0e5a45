using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Abstractions.Views;

namespace KinesisGrains.Abstractions.ExactlyOnce;

/// <summary>
/// Makes a stream provider's <see cref="ICheckpointGate"/>. Keyed state registers one; a provider on a silo without
/// it has no state to make durable, and every checkpoint passes.
/// </summary>
internal interface ICheckpointGateFactory
{
    /// <param name="providerName">The stream provider whose checkpoints the gate holds.</param>
    /// <param name="lanes">The partition streams of the provider's views, which its deliveries' LastSent are indexed by.</param>
    /// <param name="stateReported">Gets what every partition did since its previous barrier (the state part of a progress record).</param>
    ICheckpointGate Create(string providerName, StreamLanes lanes, Action<IReadOnlyList<PartitionProgress>> stateReported);

    /// <summary>
    /// What keeps a gate from holding these lanes' checkpoints (a partition grain class subscribed to two views of
    /// them), one sentence each: the provider's validator lists them when the silo starts.
    /// </summary>
    IEnumerable<string> Problems(StreamLanes lanes) => [];
}
