using Orleans.Providers.Streams.Common;
using Orleans.Runtime;

namespace KinesisGrains.Streaming.Kinesis.Control;

/// <summary>
/// Sends the Kinesis stream provider's control commands to every active silo, from a cluster client or a silo, through
/// Orleans' management grain (which finds the provider on each silo by its name and type, and hands the command to the
/// adapter factory).
/// </summary>
internal static class KinesisStreamControl
{
    /// <summary>The name the kgrains silo registers its Kinesis stream provider under (SiloHost.StreamProviderName), which the CLI's commands go to.</summary>
    public const string SiloProviderName = "kinesis";

    /// <summary>Asks every silo for a forced checkpoint cycle under <paramref name="requestId"/>; returns as each one started it.</summary>
    public static Task<IReadOnlyList<ForcedCheckpointReport>> StartForcedCheckpointAsync(IGrainFactory grains, string providerName, string requestId) =>
        SendAsync(grains, providerName, KinesisStreamCommands.StartForcedCheckpoint, requestId);

    /// <summary>Where every active silo's forced checkpoint cycle of <paramref name="requestId"/> is.</summary>
    public static Task<IReadOnlyList<ForcedCheckpointReport>> ForcedCheckpointStatusAsync(IGrainFactory grains, string providerName, string requestId) =>
        SendAsync(grains, providerName, KinesisStreamCommands.ForcedCheckpointStatus, requestId);

    /// <summary>Asks every silo to deactivate its partitions after a final snapshot; returns once each did.</summary>
    public static Task<IReadOnlyList<PartitionHandOverReport>> HandOverPartitionsAsync(IGrainFactory grains, string providerName, string requestId) =>
        SendAsync<PartitionHandOverReport>(grains, providerName, KinesisStreamCommands.HandOverPartitions, requestId);

    /// <summary>Asks every silo to wait some more for its hand-overs still under way; returns what each has left.</summary>
    public static Task<IReadOnlyList<PartitionHandOverReport>> AwaitHandOverAsync(IGrainFactory grains, string providerName, string requestId) =>
        SendAsync<PartitionHandOverReport>(grains, providerName, KinesisStreamCommands.AwaitHandOver, requestId);

    /// <summary>Asks every silo to take the partition count the lease table records; returns once each did (or could not).</summary>
    public static Task<IReadOnlyList<PartitionCountReport>> AdoptPartitionCountAsync(IGrainFactory grains, string providerName, string requestId) =>
        SendAsync<PartitionCountReport>(grains, providerName, KinesisStreamCommands.AdoptPartitionCount, requestId);

    private static Task<IReadOnlyList<ForcedCheckpointReport>> SendAsync(IGrainFactory grains, string providerName, int command, string requestId) =>
        SendAsync<ForcedCheckpointReport>(grains, providerName, command, requestId);

    private static async Task<IReadOnlyList<TReport>> SendAsync<TReport>(IGrainFactory grains, string providerName, int command, string requestId)
        where TReport : class
    {
        // The type argument is the provider's own (Orleans compares it to the registered IControllable's type exactly).
        var replies = await grains.GetGrain<IManagementGrain>(0).SendControlCommandToProvider<PersistentStreamProvider>(providerName, command, requestId);
        return [.. replies.Select(reply => reply as TReport
            ?? throw new InvalidOperationException($"Stream provider '{providerName}' answered command {command} with {reply?.GetType().Name ?? "nothing"}: is it a Kinesis stream provider?"))];
    }
}
