using Microsoft.Extensions.Logging;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// A Delta sink's way to its table's <see cref="IDeltaCommitterGrain"/>, and around it while this silo shuts down. Once
/// every silo of the cluster is terminating (a whole application stopped at once), Orleans places the grain nowhere,
/// and a partition's hand-over would leave its last rows staged (committed only at the next start, and refusing an
/// offline rescale until then). So a call that fails while the silo is terminating is made on a table of this silo's
/// own. That is correct at any time, only slower: the log store lets one writer make each version, a part's txn
/// version is checked in the commit that adds it (a part the grain took after all is found committed), and merge parts
/// touch their own partition's files; the grain just gathers many partitions' parts into one version.
/// </summary>
internal sealed partial class DeltaCommitter(IDeltaCommitterGrain grain, DeltaSinkRuntime runtime, Func<bool> terminating, ILogger logger)
{
    // The table is used by one call at a time, as the grain's is by its turns: a group's commit or a read.
    private readonly SemaphoreSlim _direct = new(1, 1);
    private readonly Lock _opening = new();
    private DeltaCommitGroups? _groups;
    private DeltaTable? _reader;

    public Task<DeltaPartOutcome> CommitAsync(DeltaTableDefinition definition, DeltaTxnPart part) =>
        CallAsync(g => g.CommitAsync(definition, part), () => Groups(definition).CommitAsync(part));

    public Task<DeltaMergeOutcome> CommitMergeAsync(DeltaTableDefinition definition, DeltaMergePart part) =>
        CallAsync(g => g.CommitMergeAsync(definition, part), () => Groups(definition).CommitMergeAsync(part));

    public Task<long?> GetTxnVersionAsync(DeltaTableDefinition? definition, string appId) =>
        CallAsync(g => g.GetTxnVersionAsync(definition, appId), () => ReadAsync(definition, table => table.TxnVersionAsync(appId, refresh: true, CancellationToken.None)));

    public Task<DeltaPartitionFiles> GetPartitionFilesAsync(DeltaTableDefinition definition, string appId, int partition) =>
        CallAsync(g => g.GetPartitionFilesAsync(definition, appId, partition), () => ReadAsync(definition, table => table.PartitionFilesAsync(appId, partition, refresh: true, CancellationToken.None)));

    private async Task<T> CallAsync<T>(Func<IDeltaCommitterGrain, Task<T>> viaGrain, Func<Task<T>> direct)
    {
        try
        {
            return await viaGrain(grain);
        }
        catch (Exception exception) when (terminating())
        {
            LogCommittingDirectly(logger, runtime.Options.Name, exception.Message);
        }

        return await direct();
    }

    /// <summary>The partitions' parts gathered into few versions, as the grain gathers them: a hand-over of many at once fits the silo's deactivation time.</summary>
    private DeltaCommitGroups Groups(DeltaTableDefinition definition)
    {
        lock (_opening)
        {
            return _groups ??= new DeltaCommitGroups(runtime.OpenTable(definition), runtime.Options.Name, logger, _direct);
        }
    }

    private async Task<T> ReadAsync<T>(DeltaTableDefinition? definition, Func<DeltaTable, Task<T>> read)
    {
        DeltaTable table;
        if (definition is not null)
        {
            table = Groups(definition).Table;
        }
        else
        {
            lock (_opening)
            {
                table = _groups?.Table ?? (_reader ??= runtime.OpenTable(null));
            }
        }

        await _direct.WaitAsync();
        try
        {
            return await read(table);
        }
        finally
        {
            _direct.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delta sink {Sink}: its committer grain cannot be reached while this silo shuts down ({Reason}); committing from this silo")]
    private static partial void LogCommittingDirectly(ILogger logger, string sink, string reason);
}
