using System.Diagnostics;
using KinesisGrains.Abstractions.Diagnostics;
using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.KeyedState.Diagnostics;
using KinesisGrains.KeyedState.Storage;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.KeyedState.Outputs;

/// <summary>
/// The sinks of one partition's state, and the hand-over of its staged rows to them: the rows of an epoch go to
/// every sink of their output once the epoch is durable, oldest epoch first, and are deleted from the store once all
/// committed them. A sink that fails leaves the epoch staged (and every later one) for the next hand-over; the sinks
/// that did commit it skip it then (transactional ones) or send it again (Kinesis, at least once).
/// </summary>
internal sealed partial class PartitionOutputs
{
    private readonly IReadOnlyList<IRowSink> _sinks;
    private readonly Dictionary<SinkOutputKind, RowSchema> _schemas;
    private readonly string _stateName;
    private readonly int _partition;
    private readonly ILogger _logger;
    private readonly Dictionary<string, SinkTally> _tallies = new(StringComparer.Ordinal);

    public PartitionOutputs(IReadOnlyList<IRowSink> sinks, RowSchema? emittedSchema, RowSchema changelogSchema, string stateName, int partition, ILogger logger)
    {
        _sinks = sinks;
        _stateName = stateName;
        _partition = partition;
        _logger = logger;
        _schemas = new() { [SinkOutputKind.Changelog] = changelogSchema };
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

    /// <summary>Every epoch up to this one is committed by every sink.</summary>
    public long CommittedThrough { get; private set; }

    /// <summary>The newest epoch of this partition any sink committed (0 when none did).</summary>
    public async Task<long> CommittedEpochAsync(CancellationToken cancellationToken)
    {
        var epochs = await Task.WhenAll(_sinks.Select(s => s.CommittedEpochAsync(_partition, cancellationToken)));
        return epochs.Max() ?? 0;
    }

    /// <summary>Hands the rows staged for epochs up to <paramref name="throughEpoch"/> (all durable) to the sinks; never throws.</summary>
    /// <param name="store">The partition's store while it is open; null once it closed (the rest waits for the next activation).</param>
    public async Task ShipAsync(Func<IKeyValueStore?> store, long throughEpoch)
    {
        if (store() is not { } open)
        {
            return;
        }

        foreach (var staged in StagedRows.Collect(open, _stateName, _partition, throughEpoch))
        {
            var commits = new List<Task>(_sinks.Count);
            foreach (var sink in _sinks)
            {
                var rows = staged.RowsOf(sink.Output);
                if (rows.Count > 0)
                {
                    commits.Add(CommitAsync(sink, new SinkEpochBatch(_stateName, _partition, staged.Epoch, sink.Output, _schemas[sink.Output], rows)));
                }
            }

            try
            {
                await Task.WhenAll(commits);
            }
            catch (Exception)
            {
                // Logged per sink; the epoch stays staged, and the ones after it wait behind it (a sink's epochs commit in order).
                KeyedStateMetrics.SinkEpochsDeferred.Add(1);
                return;
            }

            CrashPoints.Reach(CrashPoints.SinkAfterCommit);
            if (store() is not { } stillOpen)
            {
                return;
            }

            StagedRows.Delete(stillOpen, staged);
        }

        CommittedThrough = Math.Max(CommittedThrough, throughEpoch);
    }

    /// <summary>What each sink committed since the previous call; <paramref name="latestEpoch"/> is the partition's newest barrier.</summary>
    public IReadOnlyList<SinkProgress> TakeProgress(long latestEpoch)
    {
        var progress = new List<SinkProgress>(_sinks.Count);
        foreach (var sink in _sinks)
        {
            var tally = _tallies[sink.Name];
            progress.Add(new SinkProgress(
                sink.Name, sink.Description, tally.Rows, tally.LongestCommitMs, tally.LastVersion, Math.Max(0, latestEpoch - CommittedThrough), tally.LastCommitAt));
            tally.Rows = 0;
            tally.LongestCommitMs = 0;
        }

        return progress;
    }

    private async Task CommitAsync(IRowSink sink, SinkEpochBatch batch)
    {
        var started = Stopwatch.GetTimestamp();
        SinkCommitResult result;
        try
        {
            result = await sink.CommitAsync(batch, CancellationToken.None);
        }
        catch (Exception exception)
        {
            KeyedStateMetrics.SinkCommitFailures.Add(1, new KeyValuePair<string, object?>("sink", sink.Name));
            LogCommitFailed(_logger, sink.Name, _stateName, _partition, batch.Epoch, exception);
            throw;
        }

        var tally = _tallies[sink.Name];
        if (!result.AlreadyCommitted)
        {
            tally.Rows += result.RowsWritten;
        }

        tally.LongestCommitMs = Math.Max(tally.LongestCommitMs, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        tally.LastVersion = result.Version ?? tally.LastVersion;
        tally.LastCommitAt = DateTimeOffset.UtcNow;
    }

    private sealed class SinkTally
    {
        public long Rows { get; set; }

        public long LongestCommitMs { get; set; }

        public long? LastVersion { get; set; }

        public DateTimeOffset? LastCommitAt { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sink {Sink} could not commit epoch {Epoch} of {State} partition {Partition}; its rows stay staged and are handed over again after the next barrier")]
    private static partial void LogCommitFailed(ILogger logger, string sink, string state, int partition, long epoch, Exception exception);
}
