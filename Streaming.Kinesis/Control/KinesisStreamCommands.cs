using Orleans.Providers.Streams.Common;

namespace KinesisGrains.Streaming.Kinesis.Control;

/// <summary>
/// The control commands of the Kinesis stream provider (<see cref="KinesisAdapterFactory"/>, Orleans' <c>IControllable</c>),
/// in the range Orleans' persistent stream provider forwards to its adapter factory. Sent to every silo at once by
/// <see cref="KinesisStreamControl"/>; each takes a request id (a string).
/// </summary>
internal static class KinesisStreamCommands
{
    /// <summary>Starts a forced checkpoint cycle on the silo and returns at once; the same request id again starts nothing new.</summary>
    public const int StartForcedCheckpoint = (int)PersistentStreamProviderCommand.AdapterFactoryCommandStartRange;

    /// <summary>Where the silo's forced cycle of a request id is (running, completed, failed, or unknown to it).</summary>
    public const int ForcedCheckpointStatus = StartForcedCheckpoint + 1;

    /// <summary>
    /// Deactivates the partitions active on the silo, each after a final snapshot, and answers once they are gone (or
    /// after a wait within the call's response time, saying how many are not) with a <see cref="PartitionHandOverReport"/>:
    /// their next activations restore from the snapshot pointers.
    /// </summary>
    public const int HandOverPartitions = StartForcedCheckpoint + 2;

    /// <summary>
    /// Takes the partition count the lease table records (a live rescale changed it) while the silo reads no shard, and
    /// answers with a <see cref="PartitionCountReport"/>: the count the silo routes by now.
    /// </summary>
    public const int AdoptPartitionCount = StartForcedCheckpoint + 3;

    /// <summary>
    /// Waits some more for the silo's hand-overs still under way (a busy silo's final snapshots and sink commits can
    /// outlast one call) and answers with a <see cref="PartitionHandOverReport"/> of how many are left.
    /// </summary>
    public const int AwaitHandOver = StartForcedCheckpoint + 4;
}
