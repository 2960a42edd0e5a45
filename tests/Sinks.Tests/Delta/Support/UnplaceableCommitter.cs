using KinesisGrains.Sinks.Delta;
using Orleans.Runtime;

namespace KinesisGrains.Tests.Delta.Support;

/// <summary>The committer grain as a silo sees it when every silo of the cluster shuts down: placed nowhere.</summary>
internal sealed class UnplaceableCommitter : IDeltaCommitterGrain
{
    private static Exception Unplaceable() =>
        new OrleansException("No active nodes are compatible with grain deltacommitter and interface KinesisGrains.Sinks.Delta.IDeltaCommitterGrain version 0.");

    public Task<DeltaPartOutcome> CommitAsync(DeltaTableDefinition definition, DeltaTxnPart part) => Task.FromException<DeltaPartOutcome>(Unplaceable());

    public Task<long?> GetTxnVersionAsync(DeltaTableDefinition? definition, string appId) => Task.FromException<long?>(Unplaceable());

    public Task<DeltaMergeOutcome> CommitMergeAsync(DeltaTableDefinition definition, DeltaMergePart part) => Task.FromException<DeltaMergeOutcome>(Unplaceable());

    public Task<DeltaPartitionFiles> GetPartitionFilesAsync(DeltaTableDefinition definition, string appId, int partition) => Task.FromException<DeltaPartitionFiles>(Unplaceable());
}
