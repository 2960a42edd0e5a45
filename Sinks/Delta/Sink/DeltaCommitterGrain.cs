using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// <see cref="IDeltaCommitterGrain"/>: keeps the table's snapshot in memory and commits gathered parts one group at a
/// time (<see cref="DeltaCommitGroups"/>). Its silo's
/// <see cref="DeltaSinkRuntime"/> (a keyed service by sink name) provides S3 and the log store.
/// </summary>
[Reentrant]
internal sealed class DeltaCommitterGrain(IServiceProvider services, ILogger<DeltaCommitterGrain> logger) : Grain, IDeltaCommitterGrain
{
    private DeltaCommitGroups? _groups;
    private DeltaTableDefinition? _definition;
    private DeltaTable? _reader;

    public Task<DeltaPartOutcome> CommitAsync(DeltaTableDefinition definition, DeltaTxnPart part) => GroupsFor(definition).CommitAsync(part);

    public Task<DeltaMergeOutcome> CommitMergeAsync(DeltaTableDefinition definition, DeltaMergePart part) => GroupsFor(definition).CommitMergeAsync(part);

    public Task<DeltaPartitionFiles> GetPartitionFilesAsync(DeltaTableDefinition definition, string appId, int partition) =>
        GroupsFor(definition).Table.PartitionFilesAsync(appId, partition, refresh: true, CancellationToken.None);

    public Task<long?> GetTxnVersionAsync(DeltaTableDefinition? definition, string appId)
    {
        var table = definition is not null ? GroupsFor(definition).Table
            : _groups?.Table ?? (_reader ??= services.GetRequiredKeyedService<DeltaSinkRuntime>(this.GetPrimaryKeyString()).OpenTable(null));
        return table.TxnVersionAsync(appId, refresh: true, CancellationToken.None);
    }

    private DeltaCommitGroups GroupsFor(DeltaTableDefinition definition)
    {
        if (_groups is null)
        {
            var runtime = services.GetRequiredKeyedService<DeltaSinkRuntime>(this.GetPrimaryKeyString());
            _groups = new DeltaCommitGroups(runtime.OpenTable(definition), this.GetPrimaryKeyString(), logger);
            _definition = definition;
        }
        else if (!definition.Equals(_definition))
        {
            throw new DeltaTableMismatchException(
                $"Delta sink '{this.GetPrimaryKeyString()}' was given rows of another schema or partitioning than before (the silos disagree on the state's row type?).");
        }

        return _groups;
    }
}
