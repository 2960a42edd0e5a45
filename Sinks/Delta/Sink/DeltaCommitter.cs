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
    private readonly SemaphoreSlim _direct = new(1, 1);
    private DeltaTable? _table;
    private DeltaTable? _reader;

    public Task<DeltaPartOutcome> CommitAsync(DeltaTableDefinition definition, DeltaTxnPart part) =>
        CallAsync(g => g.CommitAsync(definition, part), async table => (await table.CommitAsync([part], CancellationToken.None)).Parts[0], definition);

    public Task<DeltaMergeOutcome> CommitMergeAsync(DeltaTableDefinition definition, DeltaMergePart part) =>
        CallAsync(g => g.CommitMergeAsync(definition, part), async table => (await table.CommitMergeAsync([part], CancellationToken.None)).Outcomes[0], definition);

    public Task<long?> GetTxnVersionAsync(DeltaTableDefinition? definition, string appId) =>
        CallAsync(g => g.GetTxnVersionAsync(definition, appId), table => table.TxnVersionAsync(appId, refresh: true, CancellationToken.None), definition);

    public Task<DeltaPartitionFiles> GetPartitionFilesAsync(DeltaTableDefinition definition, string appId, int partition) =>
        CallAsync(g => g.GetPartitionFilesAsync(definition, appId, partition), table => table.PartitionFilesAsync(appId, partition, refresh: true, CancellationToken.None), definition);

    private async Task<T> CallAsync<T>(Func<IDeltaCommitterGrain, Task<T>> viaGrain, Func<DeltaTable, Task<T>> direct, DeltaTableDefinition? definition)
    {
        try
        {
            return await viaGrain(grain);
        }
        catch (Exception exception) when (terminating())
        {
            LogCommittingDirectly(logger, runtime.Options.Name, exception.Message);
        }

        // One call at a time: the table keeps its snapshot of the log between calls, as the grain's does.
        await _direct.WaitAsync();
        try
        {
            return await direct(definition is null ? _table ?? (_reader ??= runtime.OpenTable(null)) : _table ??= runtime.OpenTable(definition));
        }
        finally
        {
            _direct.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delta sink {Sink}: its committer grain cannot be reached while this silo shuts down ({Reason}); committing from this silo")]
    private static partial void LogCommittingDirectly(ILogger logger, string sink, string reason);
}
