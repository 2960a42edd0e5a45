using Microsoft.Extensions.Logging;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// Group commit on one <see cref="DeltaTable"/>: parts that arrive while a group is being committed wait, and form the
/// next group (one version) when it is done. The committer grain commits through one; so does a silo that commits
/// around the grain while it shuts down (<see cref="DeltaCommitter"/>), where calls come from many threads at once.
/// </summary>
internal sealed partial class DeltaCommitGroups(DeltaTable table, string sink, ILogger logger, SemaphoreSlim? exclusive = null)
{
    private readonly Lock _gate = new();
    private List<(DeltaTxnPart Part, TaskCompletionSource<DeltaPartOutcome> Outcome)> _pending = [];
    private List<(DeltaMergePart Part, TaskCompletionSource<DeltaMergeOutcome> Outcome)> _pendingMerges = [];
    private bool _committing;

    public DeltaTable Table => table;

    public Task<DeltaPartOutcome> CommitAsync(DeltaTxnPart part) => Enqueue(part, static groups => groups._pending);

    public Task<DeltaMergeOutcome> CommitMergeAsync(DeltaMergePart part) => Enqueue(part, static groups => groups._pendingMerges);

    private Task<TOutcome> Enqueue<TPart, TOutcome>(TPart part, Func<DeltaCommitGroups, List<(TPart Part, TaskCompletionSource<TOutcome> Outcome)>> pending)
    {
        var outcome = new TaskCompletionSource<TOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (_gate)
        {
            pending(this).Add((part, outcome));
            start = !_committing;
            _committing = true;
        }

        if (start)
        {
            _ = CommitPendingAsync();
        }

        return outcome.Task;
    }

    private async Task CommitPendingAsync()
    {
        while (true)
        {
            List<(DeltaTxnPart Part, TaskCompletionSource<DeltaPartOutcome> Outcome)> parts;
            List<(DeltaMergePart Part, TaskCompletionSource<DeltaMergeOutcome> Outcome)> merges;
            lock (_gate)
            {
                if (_pending.Count == 0 && _pendingMerges.Count == 0)
                {
                    _committing = false;
                    return;
                }

                (parts, _pending) = (_pending, []);
                (merges, _pendingMerges) = (_pendingMerges, []);
            }

            if (merges.Count > 0)
            {
                await CommitGroupAsync(merges, async group =>
                {
                    var result = await table.CommitMergeAsync(group, CancellationToken.None);
                    return (result.Outcomes, result.Version, result.Attempts);
                });
            }

            if (parts.Count > 0)
            {
                await CommitGroupAsync(parts, async group =>
                {
                    var result = await table.CommitAsync(group, CancellationToken.None);
                    return (result.Parts, result.Version, result.Attempts);
                });
            }
        }
    }

    /// <summary>Commits one group; every part's caller gets its outcome, or the group's exception (never thrown here).</summary>
    private async Task CommitGroupAsync<TPart, TOutcome>(
        List<(TPart Part, TaskCompletionSource<TOutcome> Outcome)> group,
        Func<IReadOnlyList<TPart>, Task<(IReadOnlyList<TOutcome> Outcomes, long? Version, int Attempts)>> commit)
    {
        try
        {
            if (exclusive is not null)
            {
                await exclusive.WaitAsync();
            }

            (IReadOnlyList<TOutcome> Outcomes, long? Version, int Attempts) result;
            try
            {
                result = await commit([.. group.Select(g => g.Part)]);
            }
            finally
            {
                exclusive?.Release();
            }

            for (var i = 0; i < group.Count; i++)
            {
                group[i].Outcome.TrySetResult(result.Outcomes[i]);
            }

            LogGroupCommitted(logger, sink, result.Version ?? -1, group.Count, result.Attempts);
        }
        catch (Exception e)
        {
            LogGroupFailed(logger, sink, group.Count, e);
            foreach (var (_, outcome) in group)
            {
                outcome.TrySetException(e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Delta sink {Sink} committed {Parts} parts as version {Version} (attempts: {Attempts})")]
    private static partial void LogGroupCommitted(ILogger logger, string sink, long version, int parts, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delta sink {Sink} could not commit {Parts} parts; their partitions will hand them over again")]
    private static partial void LogGroupFailed(ILogger logger, string sink, int parts, Exception exception);
}
