using KinesisGrains.Abstractions.Diagnostics;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using KinesisGrains.Abstractions.Sinks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// <see cref="IRowSink"/> to a Delta table on S3. Each partition's epoch is one txn part: appId
/// <c>{Application}/{Name}/{StateName}/{partition}</c>, version = the epoch. The calling silo uploads the epoch's data
/// file(s) (one per partition value) and hands their adds to the sink's <see cref="IDeltaCommitterGrain"/>, which
/// commits the parts of many partitions together. An epoch at or below the partition's txn version is skipped before
/// any upload; one found committed only at commit time (another silo had it) has its fresh uploads deleted again.
/// An empty epoch still commits its txn, so a replay skips it too.
/// <para>
/// With <see cref="DeltaSinkMode.Merge"/> the calling silo merges the epoch's changelog rows into the buckets they touch
/// (<see cref="DeltaMergeWriter"/>), starting from the partition's live files as the committer grain last reported them
/// (asked once per partition per process, then kept from each commit's outcome), and hands the part to the grain. A part
/// the grain finds stale (another writer changed one of its buckets) is merged again from the files the grain reports,
/// at most <see cref="MaxMergeRedos"/> times before the call fails and the partition hands the epoch over again.
/// </para>
/// </summary>
internal sealed partial class DeltaSink : IRowSink
{
    private readonly DeltaSinkRuntime _runtime;
    private readonly DeltaCommitter _committer;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, long> _committed = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<RowSchema, DeltaTableDefinition> _definitions = [];
    private readonly ConcurrentDictionary<string, IReadOnlyList<DeltaAddFile>> _partitionFiles = new(StringComparer.Ordinal);

    /// <summary>Times one epoch's merge is done again after stale commits before the call fails.</summary>
    public const int MaxMergeRedos = 10;

    /// <param name="terminating">Whether this silo shuts down (its committer grain may be placed nowhere then); never, by default.</param>
    public DeltaSink(DeltaSinkRuntime runtime, IGrainFactory grains, ILogger<DeltaSink>? logger = null, Func<bool>? terminating = null)
        : this(runtime, CommitterOf(runtime, grains, logger, terminating), logger)
    {
    }

    /// <summary>A sink that reaches its table through <paramref name="committer"/>.</summary>
    public DeltaSink(DeltaSinkRuntime runtime, DeltaCommitter committer, ILogger<DeltaSink>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(committer);
        _runtime = runtime;
        _committer = committer;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public string Name => _runtime.Options.Name;

    public string StateName => _runtime.Options.StateName;

    public SinkOutputKind Output => _runtime.Options.Output;

    public string Description => $"DeltaSink[{_runtime.Storage.Uri}]";

    public TimeSpan CommitInterval => _runtime.Options.CommitInterval;

    private static DeltaCommitter CommitterOf(DeltaSinkRuntime runtime, IGrainFactory grains, ILogger? logger, Func<bool>? terminating)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(grains);
        return new DeltaCommitter(grains.GetGrain<IDeltaCommitterGrain>(runtime.Options.Name), runtime, terminating ?? (() => false), logger ?? NullLogger.Instance);
    }

    /// <summary>The txn appId of <paramref name="partition"/>'s epochs.</summary>
    public string AppId(int partition) => $"{_runtime.Options.Application}/{Name}/{StateName}/{partition}";

    public async Task<long?> CommittedEpochAsync(int partition, CancellationToken cancellationToken)
    {
        var appId = AppId(partition);
        var committed = await _committer.GetTxnVersionAsync(null, appId).WaitAsync(cancellationToken);
        _committed.AddOrUpdate(appId, committed ?? -1, (_, current) => Math.Max(current, committed ?? -1));
        return committed;
    }

    public async Task<SinkCommitResult> CommitAsync(SinkEpochBatch batch, CancellationToken cancellationToken)
    {
        batch.ThrowIfNotFor(this);

        var started = Stopwatch.GetTimestamp();
        var definition = _definitions.GetValue(batch.Schema, schema => DeltaTableDefinition.For(
            schema, _runtime.Options.PartitionColumns, _runtime.Options.Mode == DeltaSinkMode.Merge ? _runtime.Options.MergeBuckets : null));
        var appId = AppId(batch.Partition);
        if (definition.MergeBuckets is not null)
        {
            return await MergeAsync(batch, definition, appId, started, cancellationToken);
        }

        if (!_committed.TryGetValue(appId, out var known))
        {
            // First epoch of this partition here (a start, a move): the table says where it stands.
            known = await _committer.GetTxnVersionAsync(definition, appId) ?? -1;
            _committed.AddOrUpdate(appId, known, (_, current) => Math.Max(current, known));
        }

        if (batch.Epoch <= known)
        {
            LogSkipped(_logger, Name, batch.Partition, batch.Epoch, known);
            return new SinkCommitResult(true, 0, null, Stopwatch.GetElapsedTime(started));
        }

        var adds = batch.Rows.Count == 0 ? [] : await _runtime.FileWriter(definition).WriteAsync(batch.Rows, cancellationToken);
        CrashPoints.Reach(CrashPoints.SinkAfterUpload);
        var outcome = await _committer.CommitAsync(definition, new DeltaTxnPart(appId, batch.Epoch, adds));
        _committed.AddOrUpdate(appId, batch.Epoch, (_, current) => Math.Max(current, batch.Epoch));
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (!outcome.CommittedNow)
        {
            // Another writer had committed the epoch: these uploads are in no commit and never will be.
            await DeleteQuietlyAsync(adds);
            LogSkipped(_logger, Name, batch.Partition, batch.Epoch, batch.Epoch);
            return new SinkCommitResult(true, 0, null, elapsed);
        }

        DeltaMetrics.RowsWritten.Add(batch.Rows.Count, new KeyValuePair<string, object?>("sink", Name));
        DeltaMetrics.FilesWritten.Add(adds.Count, new KeyValuePair<string, object?>("sink", Name));
        DeltaMetrics.CommitDuration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("sink", Name));
        LogCommitted(_logger, Name, batch.Partition, batch.Epoch, batch.Rows.Count, adds.Count, outcome.TableVersion ?? -1, elapsed.TotalMilliseconds);
        return new SinkCommitResult(false, batch.Rows.Count, outcome.TableVersion, elapsed);
    }

    private async Task<SinkCommitResult> MergeAsync(
        SinkEpochBatch batch, DeltaTableDefinition definition, string appId, long started, CancellationToken cancellationToken)
    {
        if (_committed.TryGetValue(appId, out var known) && batch.Epoch <= known)
        {
            LogSkipped(_logger, Name, batch.Partition, batch.Epoch, known);
            return new SinkCommitResult(true, 0, null, Stopwatch.GetElapsedTime(started));
        }

        var writer = _runtime.MergeWriter(definition);
        var rows = writer.Decode(batch.Rows);
        if (!_partitionFiles.TryGetValue(appId, out var files))
        {
            // First epoch of this partition here (a start, a move): the table says where it stands.
            var state = await _committer.GetPartitionFilesAsync(definition, appId, batch.Partition);
            known = state.TxnVersion ?? -1;
            _committed.AddOrUpdate(appId, known, (_, current) => Math.Max(current, known));
            files = state.Files;
            if (batch.Epoch <= known)
            {
                _partitionFiles[appId] = files;
                LogSkipped(_logger, Name, batch.Partition, batch.Epoch, known);
                return new SinkCommitResult(true, 0, null, Stopwatch.GetElapsedTime(started));
            }
        }

        try
        {
            for (var redo = 0; ; redo++)
            {
                DeltaMergePart part;
                try
                {
                    part = await writer.PrepareAsync(appId, batch.Epoch, batch.Partition, rows, files, cancellationToken);
                }
                catch (FileNotFoundException) when (redo < MaxMergeRedos)
                {
                    // Kept files that another writer replaced and vacuum deleted since: ask the table.
                    files = (await _committer.GetPartitionFilesAsync(definition, appId, batch.Partition)).Files;
                    continue;
                }

                CrashPoints.Reach(CrashPoints.SinkAfterUpload);
                var outcome = await _committer.CommitMergeAsync(definition, part);
                _partitionFiles[appId] = files = outcome.PartitionFiles;
                switch (outcome.Status)
                {
                    case DeltaMergeStatus.Committed:
                        _committed.AddOrUpdate(appId, batch.Epoch, (_, current) => Math.Max(current, batch.Epoch));
                        var elapsed = Stopwatch.GetElapsedTime(started);
                        var sink = new KeyValuePair<string, object?>("sink", Name);
                        var adds = part.Adds.Count();
                        DeltaMetrics.RowsWritten.Add(batch.Rows.Count, sink);
                        DeltaMetrics.MergeRowsRewritten.Add(part.RowsWritten, sink);
                        DeltaMetrics.FilesWritten.Add(adds, sink);
                        DeltaMetrics.CommitDuration.Record(elapsed.TotalMilliseconds, sink);
                        LogMerged(_logger, Name, batch.Partition, batch.Epoch, batch.Rows.Count, part.Buckets.Count, part.Buckets.Sum(b => b.Base.Count), adds, part.RowsWritten, redo, outcome.TableVersion ?? -1, elapsed.TotalMilliseconds);
                        return new SinkCommitResult(false, batch.Rows.Count, outcome.TableVersion, elapsed);

                    case DeltaMergeStatus.AlreadyCommitted:
                        _committed.AddOrUpdate(appId, batch.Epoch, (_, current) => Math.Max(current, batch.Epoch));
                        LogSkipped(_logger, Name, batch.Partition, batch.Epoch, batch.Epoch);
                        return new SinkCommitResult(true, 0, null, Stopwatch.GetElapsedTime(started));

                    default:
                        DeltaMetrics.MergeRedos.Add(1, new KeyValuePair<string, object?>("sink", Name));
                        if (redo + 1 >= MaxMergeRedos)
                        {
                            throw new DeltaConcurrentModificationException(
                                $"Delta sink '{Name}' gave up merging partition {batch.Partition} epoch {batch.Epoch}: other writers changed its buckets {redo + 1} times.");
                        }

                        break;
                }
            }
        }
        catch
        {
            // Whatever happened, the next epoch starts from the table's files, not kept ones.
            _partitionFiles.TryRemove(appId, out _);
            throw;
        }
    }

    private async Task DeleteQuietlyAsync(IReadOnlyList<DeltaAddFile> adds)
    {
        if (adds.Count == 0)
        {
            return;
        }

        try
        {
            await _runtime.Storage.DeleteAsync([.. adds.Select(a => DeltaPartitionPath.FromUri(a.Path))], CancellationToken.None);
        }
        catch (Exception e)
        {
            LogCleanupFailed(_logger, Name, adds.Count, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Delta sink {Sink} committed partition {Partition} epoch {Epoch}: {Rows} rows in {Files} files, table version {Version}, {Milliseconds:F1} ms")]
    private static partial void LogCommitted(ILogger logger, string sink, int partition, long epoch, int rows, int files, long version, double milliseconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Delta sink {Sink} merged partition {Partition} epoch {Epoch}: {Rows} rows into {Buckets} buckets ({Removed} files replaced by {Added}, {Rewritten} rows written, {Redos} redos), table version {Version}, {Milliseconds:F1} ms")]
    private static partial void LogMerged(ILogger logger, string sink, int partition, long epoch, int rows, int buckets, int removed, int added, long rewritten, int redos, long version, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delta sink {Sink} skipped partition {Partition} epoch {Epoch}: the table has the partition up to epoch {Committed}")]
    private static partial void LogSkipped(ILogger logger, string sink, int partition, long epoch, long committed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delta sink {Sink} could not delete {Files} uploads of an epoch committed before; vacuum in Full mode takes them later")]
    private static partial void LogCleanupFailed(ILogger logger, string sink, int files, Exception exception);
}
