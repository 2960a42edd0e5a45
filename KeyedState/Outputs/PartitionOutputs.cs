using System.Diagnostics;
using KinesisGrains.Abstractions.Diagnostics;
using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.KeyedState.Diagnostics;
using KinesisGrains.KeyedState.Storage;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.KeyedState.Outputs;

/// <summary>
/// The sinks of one partition's state, and the hand-over of its staged rows to them: once an epoch is durable, each
/// sink of its output gets the epochs after the last one it committed (at its <see cref="IRowSink.CommitInterval"/>,
/// several epochs at once), and the rows are deleted from the store once every sink has them. A sink that fails keeps
/// its epochs staged for the next hand-over; the others are not handed them again.
/// </summary>
internal sealed partial class PartitionOutputs
{
    private readonly IReadOnlyList<IRowSink> _sinks;
    private readonly Dictionary<SinkOutputKind, RowSchema> _schemas;
    private readonly string _stateName;
    private readonly int _partition;
    private readonly ILogger _logger;
    private readonly Dictionary<string, SinkTally> _tallies = new(StringComparer.Ordinal);

    /// <param name="changelogSchema">Made only when a sink takes the changelog (a state of lists has none).</param>
    public PartitionOutputs(IReadOnlyList<IRowSink> sinks, RowSchema? emittedSchema, Func<RowSchema> changelogSchema, string stateName, int partition, ILogger logger)
    {
        _sinks = sinks;
        _stateName = stateName;
        _partition = partition;
        _logger = logger;
        _schemas = [];
        if (sinks.Any(s => s.Output == SinkOutputKind.Changelog))
        {
            _schemas[SinkOutputKind.Changelog] = changelogSchema();
        }

        if (emittedSchema is not null)
        {
            _schemas[SinkOutputKind.Emitted] = emittedSchema;
        }

        foreach (var sink in sinks)
        {
            if (!_schemas.ContainsKey(sink.Output))
            {
                throw new InvalidOperationException(
                    $"Sink '{sink.Name}' takes the emitted rows of state '{stateName}', whose grain emits none: derive it from KeyedStatePartitionGrain<TEvent, TState, TOutput>, or set the sink's Output to Changelog.");
            }

            _tallies[sink.Name] = new SinkTally();
        }

        StagesEmitted = sinks.Any(s => s.Output == SinkOutputKind.Emitted);
        StagesChangelog = sinks.Any(s => s.Output == SinkOutputKind.Changelog);
    }

    public bool StagesEmitted { get; }

    public bool StagesChangelog { get; }

    /// <summary>
    /// Learns from each sink the newest epoch of this partition it committed (an at-least-once sink: 0), so each is
    /// handed only the epochs after its own; returns the newest of them.
    /// </summary>
    public async Task<long> InitializeAsync(CancellationToken cancellationToken)
    {
        var epochs = await Task.WhenAll(_sinks.Select(s => s.CommittedEpochAsync(_partition, cancellationToken)));
        for (var i = 0; i < _sinks.Count; i++)
        {
            _tallies[_sinks[i].Name].Committed = epochs[i] ?? 0;
        }

        return epochs.Max() ?? 0;
    }

    /// <summary>The shortest commit interval of the sinks; zero when every sink commits at every barrier.</summary>
    public TimeSpan ShortestCommitInterval => _sinks.Where(s => s.CommitInterval > TimeSpan.Zero).Select(s => s.CommitInterval).DefaultIfEmpty(TimeSpan.Zero).Min();

    /// <summary>
    /// Hands the rows staged for epochs up to <paramref name="throughEpoch"/> (all durable) to each sink that is due
    /// (its <see cref="IRowSink.CommitInterval"/> passed since its last commit), as one batch of the epochs after the
    /// last one it committed; deletes the epochs every sink committed. Never throws: a sink that fails keeps its
    /// epochs staged for the next hand-over.
    /// </summary>
    /// <param name="store">The partition's store while it is open; null once it closed (the rest waits for the next activation).</param>
    public async Task ShipAsync(Func<IKeyValueStore?> store, long throughEpoch)
    {
        if (store() is not { } open)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        var due = _sinks.Where(sink => _tallies[sink.Name] is var tally && tally.Committed < throughEpoch
            && (sink.CommitInterval <= TimeSpan.Zero || tally.LastAttempt == 0 || Stopwatch.GetElapsedTime(tally.LastAttempt, now) >= sink.CommitInterval)).ToList();
        if (due.Count == 0)
        {
            // Between a gathering sink's commits nothing is read: its epochs wait in the store.
            return;
        }

        // Epochs every sink has were deleted already: read from the oldest one some sink still lacks.
        var staged = StagedRows.Collect(open, _stateName, _partition, _tallies.Values.Min(t => t.Committed) + 1, throughEpoch);
        var commits = new List<Task>(due.Count);
        foreach (var sink in due)
        {
            commits.Add(ShipToAsync(sink, staged, throughEpoch, now));
        }

        try
        {
            await Task.WhenAll(commits);
        }
        catch (Exception)
        {
            // Logged per sink; its epochs stay staged (a sink's epochs commit in order) for the next hand-over.
            KeyedStateMetrics.SinkEpochsDeferred.Add(1);
        }

        // Epochs every sink has are done with.
        var everyone = _tallies.Values.Min(t => t.Committed);
        var done = staged.Where(e => e.Epoch <= everyone).ToList();
        if (done.Count == 0)
        {
            return;
        }

        CrashPoints.Reach(CrashPoints.SinkAfterCommit);
        if (store() is not { } stillOpen)
        {
            return;
        }

        foreach (var epoch in done)
        {
            StagedRows.Delete(stillOpen, epoch);
        }
    }

    /// <summary>What each sink committed since the previous call; <paramref name="latestEpoch"/> is the partition's newest barrier.</summary>
    public IReadOnlyList<SinkProgress> TakeProgress(long latestEpoch)
    {
        var progress = new List<SinkProgress>(_sinks.Count);
        foreach (var sink in _sinks)
        {
            var tally = _tallies[sink.Name];
            progress.Add(new SinkProgress(
                sink.Name, sink.Description, tally.Rows, tally.LongestCommitMs, tally.LastVersion, Math.Max(0, latestEpoch - tally.Committed), tally.LastCommitAt));
            tally.Rows = 0;
            tally.LongestCommitMs = 0;
        }

        return progress;
    }

    /// <summary>
    /// Hands <paramref name="sink"/> the staged epochs after its last committed one, up to <paramref name="throughEpoch"/>:
    /// as one batch, except after a failed commit. A failed commit may have landed all the same (the Delta committer's
    /// silo died after writing the log, a response timed out), so the epochs of that batch are handed over again exactly
    /// as they were, under the same epoch, which the sink then skips if it has it; only after that do the later epochs
    /// follow. Folded into a later epoch's batch, they would be committed again under the later epoch's number.
    /// </summary>
    private async Task ShipToAsync(IRowSink sink, List<StagedEpoch> staged, long throughEpoch, long now)
    {
        var tally = _tallies[sink.Name];
        while (tally.Committed < throughEpoch)
        {
            var through = Math.Min(tally.Unsettled ?? throughEpoch, throughEpoch);
            var epochs = staged.Where(e => e.Epoch > tally.Committed && e.Epoch <= through && e.RowsOf(sink.Output).Count > 0).ToList();
            if (epochs.Count == 0)
            {
                // Nothing of its output in these epochs: as committed as it gets, with no call.
                tally.Committed = through;
                tally.Unsettled = null;
                continue;
            }

            tally.LastAttempt = now;
            List<SinkRow> rows = epochs.Count == 1 ? epochs[0].RowsOf(sink.Output) : [.. epochs.SelectMany(e => e.RowsOf(sink.Output))];
            await CommitAsync(sink, new SinkEpochBatch(_stateName, _partition, epochs[^1].Epoch, sink.Output, _schemas[sink.Output], rows), through);
        }
    }

    private async Task CommitAsync(IRowSink sink, SinkEpochBatch batch, long throughEpoch)
    {
        var started = Stopwatch.GetTimestamp();
        var tally = _tallies[sink.Name];
        SinkCommitResult result;
        try
        {
            result = await sink.CommitAsync(batch, CancellationToken.None);
        }
        catch (Exception exception)
        {
            // It may have landed: the next hand-over repeats this very batch before any later epoch.
            tally.Unsettled = batch.Epoch;
            KeyedStateMetrics.SinkCommitFailures.Add(1, new KeyValuePair<string, object?>("sink", sink.Name));
            LogCommitFailed(_logger, sink.Name, _stateName, _partition, batch.Epoch, exception);
            throw;
        }

        tally.Unsettled = null;
        if (!result.AlreadyCommitted)
        {
            tally.Rows += result.RowsWritten;
        }

        // The epochs after the batch's had none of its rows (or they would be in it).
        tally.Committed = Math.Max(tally.Committed, throughEpoch);

        tally.LongestCommitMs = Math.Max(tally.LongestCommitMs, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        tally.LastVersion = result.Version ?? tally.LastVersion;
        tally.LastCommitAt = DateTimeOffset.UtcNow;
    }

    private sealed class SinkTally
    {
        /// <summary>Every epoch of the partition up to this one is committed by the sink.</summary>
        public long Committed { get; set; }

        /// <summary>
        /// The epoch of a batch whose commit failed and may have landed all the same: the next hand-over ends its first
        /// batch there (the same epochs, the same number), so the sink skips it if it has it. Null when settled.
        /// </summary>
        public long? Unsettled { get; set; }

        /// <summary>When the last commit was started (Stopwatch ticks; 0: none in this activation).</summary>
        public long LastAttempt { get; set; }

        public long Rows { get; set; }

        public long LongestCommitMs { get; set; }

        public long? LastVersion { get; set; }

        public DateTimeOffset? LastCommitAt { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sink {Sink} could not commit epoch {Epoch} of {State} partition {Partition}; its rows stay staged and are handed over again after the next barrier")]
    private static partial void LogCommitFailed(ILogger logger, string sink, string state, int partition, long epoch, Exception exception);
}
