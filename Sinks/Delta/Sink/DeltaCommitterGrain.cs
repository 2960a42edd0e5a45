using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// <see cref="IDeltaCommitterGrain"/>: keeps the table's snapshot in memory and commits gathered parts one group at a
/// time. Calls queue while a group is being committed and form the next group when it is done. Its silo's
/// <see cref="DeltaSinkRuntime"/> (a keyed service by sink name) provides S3 and the log store.
/// </summary>
[Reentrant]
internal sealed partial class DeltaCommitterGrain(IServiceProvider services, ILogger<DeltaCommitterGrain> logger) : Grain, IDeltaCommitterGrain
{
    private List<(DeltaTxnPart Part, TaskCompletionSource<DeltaPartOutcome> Outcome)> _pending = [];
    private List<(DeltaMergePart Part, TaskCompletionSource<DeltaMergeOutcome> Outcome)> _pendingMerges = [];
    private bool _committing;
    private DeltaTable? _table;
    private DeltaTableDefinition? _definition;
    private DeltaTable? _reader;

    public Task<DeltaPartOutcome> CommitAsync(DeltaTableDefinition definition, DeltaTxnPart part)
    {
        var table = TableFor(definition);
        var outcome = new TaskCompletionSource<DeltaPartOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending.Add((part, outcome));
        if (!_committing)
        {
            _committing = true;
            _ = CommitPendingAsync(table);
        }

        return outcome.Task;
    }

    public Task<DeltaMergeOutcome> CommitMergeAsync(DeltaTableDefinition definition, DeltaMergePart part)
    {
        var table = TableFor(definition);
        var outcome = new TaskCompletionSource<DeltaMergeOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingMerges.Add((part, outcome));
        if (!_committing)
        {
            _committing = true;
            _ = CommitPendingAsync(table);
        }

        return outcome.Task;
    }

    public Task<DeltaPartitionFiles> GetPartitionFilesAsync(DeltaTableDefinition definition, string appId, int partition) =>
        TableFor(definition).PartitionFilesAsync(appId, partition, refresh: true, CancellationToken.None);

    public Task<long?> GetTxnVersionAsync(DeltaTableDefinition? definition, string appId)
    {
        var table = definition is not null ? TableFor(definition)
            : _table ?? (_reader ??= services.GetRequiredKeyedService<DeltaSinkRuntime>(this.GetPrimaryKeyString()).OpenTable(null));
        return table.TxnVersionAsync(appId, refresh: true, CancellationToken.None);
    }

    private async Task CommitPendingAsync(DeltaTable table)
    {
        try
        {
            while (_pending.Count > 0 || _pendingMerges.Count > 0)
            {
                if (_pendingMerges.Count > 0)
                {
                    await CommitMergesAsync(table);
                }

                if (_pending.Count == 0)
                {
                    continue;
                }

                var group = _pending;
                _pending = [];
                try
                {
                    var result = await table.CommitAsync([.. group.Select(g => g.Part)], CancellationToken.None);
                    for (var i = 0; i < group.Count; i++)
                    {
                        group[i].Outcome.TrySetResult(result.Parts[i]);
                    }

                    LogGroupCommitted(logger, this.GetPrimaryKeyString(), result.Version ?? -1, group.Count, result.Attempts);
                }
                catch (Exception e)
                {
                    LogGroupFailed(logger, this.GetPrimaryKeyString(), group.Count, e);
                    foreach (var (_, outcome) in group)
                    {
                        outcome.TrySetException(e);
                    }
                }
            }
        }
        finally
        {
            _committing = false;
        }
    }

    private async Task CommitMergesAsync(DeltaTable table)
    {
        var group = _pendingMerges;
        _pendingMerges = [];
        try
        {
            var result = await table.CommitMergeAsync([.. group.Select(g => g.Part)], CancellationToken.None);
            for (var i = 0; i < group.Count; i++)
            {
                group[i].Outcome.TrySetResult(result.Outcomes[i]);
            }

            LogGroupCommitted(logger, this.GetPrimaryKeyString(), result.Version ?? -1, group.Count, result.Attempts);
        }
        catch (Exception e)
        {
            LogGroupFailed(logger, this.GetPrimaryKeyString(), group.Count, e);
            foreach (var (_, outcome) in group)
            {
                outcome.TrySetException(e);
            }
        }
    }

    private DeltaTable TableFor(DeltaTableDefinition definition)
    {
        if (_table is null)
        {
            var runtime = services.GetRequiredKeyedService<DeltaSinkRuntime>(this.GetPrimaryKeyString());
            _table = runtime.OpenTable(definition);
            _definition = definition;
        }
        else if (!definition.Equals(_definition))
        {
            throw new DeltaTableMismatchException(
                $"Delta sink '{this.GetPrimaryKeyString()}' was given rows of another schema or partitioning than before (the silos disagree on the state's row type?).");
        }

        return _table;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Delta sink {Sink} committed {Parts} parts as version {Version} (attempts: {Attempts})")]
    private static partial void LogGroupCommitted(ILogger logger, string sink, long version, int parts, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delta sink {Sink} could not commit {Parts} parts; their partitions will hand them over again")]
    private static partial void LogGroupFailed(ILogger logger, string sink, int parts, Exception exception);
}
