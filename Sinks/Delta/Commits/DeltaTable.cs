using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using KinesisGrains.Abstractions.Sinks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// One Delta table on S3, for one writer process: its snapshot, kept current commit by commit; appends under txn ids
/// (<see cref="CommitAsync"/>), checkpoints every <see cref="DeltaTableOptions.CheckpointInterval"/> commits, and the
/// maintenance operations <see cref="OptimizeAsync"/> and <see cref="VacuumAsync"/>. Calls run one at a time. Other
/// writers (other processes) may commit to the same table: the <see cref="IDeltaLogStore"/> gives each version to one,
/// and a writer that loses a race reads the new commits and tries the next version.
/// </summary>
internal sealed partial class DeltaTable
{
    private readonly DeltaTableStorage _storage;
    private readonly IDeltaLogStore _log;
    private readonly DeltaTableOptions _options;
    private readonly DeltaTableDefinition? _definition;
    private readonly DeltaTableSchema? _schema;
    private readonly DeltaLogReader _reader;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DeltaSnapshot? _snapshot;

    /// <param name="definition">The rows' table: needed to create the table and to write rows; null for maintenance of an existing table.</param>
    public DeltaTable(
        DeltaTableStorage storage, IDeltaLogStore log, DeltaTableOptions? options = null, DeltaTableDefinition? definition = null,
        ILogger<DeltaTable>? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(log);
        _storage = storage;
        _log = log;
        _options = options ?? new DeltaTableOptions();
        _definition = definition;
        _schema = definition?.ToSchema();
        _reader = new DeltaLogReader(storage, log);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    public DeltaTableStorage Storage => _storage;

    /// <summary>The rows' layout; null for a table opened for maintenance only.</summary>
    public DeltaTableSchema? Schema => _schema;

    /// <summary>Moves to the table's latest version (loading it the first time) and returns it.</summary>
    public async Task<DeltaSnapshot> RefreshAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return (await CurrentAsync(refresh: true, cancellationToken)).Clone();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The latest txn version of <paramref name="appId"/>; with <paramref name="refresh"/>, after reading commits this writer has not seen.</summary>
    public async Task<long?> TxnVersionAsync(string appId, bool refresh, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return (await CurrentAsync(refresh, cancellationToken)).TxnVersion(appId);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Uploads <paramref name="rows"/> as data files (one per partition value) for a later <see cref="CommitAsync"/>.</summary>
    public Task<IReadOnlyList<DeltaAddFile>> WriteFilesAsync(IReadOnlyList<SinkRow> rows, CancellationToken cancellationToken) =>
        new DeltaDataFileWriter(_schema ?? throw NoDefinition("write rows"), _storage, _time).WriteAsync(rows, cancellationToken);

    /// <summary>
    /// Commits the parts not committed before in one version: a <c>txn</c> per appId (the highest version given for
    /// it) and all their adds, with <c>commitInfo</c> (<c>STREAMING UPDATE</c>); version 0 also holds protocol (1, 2)
    /// and metaData. A lost race is retried at the next version after dropping the parts the winner committed; a change
    /// of metaData or protocol by another writer aborts.
    /// </summary>
    /// <exception cref="DeltaConcurrentModificationException">Another writer changed the table's metaData or protocol.</exception>
    /// <exception cref="DeltaTableMismatchException">The table has another schema or partitioning than <see cref="Schema"/>.</exception>
    public async Task<DeltaCommitResult> CommitAsync(IReadOnlyList<DeltaTxnPart> parts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parts);
        _ = _schema ?? throw NoDefinition("commit appends");
        if (_definition?.MergeBuckets is not null)
        {
            throw new InvalidOperationException($"DeltaTable {_storage.Uri} was opened with a merge table's definition: commit merges (CommitMergeAsync), not appends.");
        }

        List<DeltaTxnPart> pending = [];
        await _gate.WaitAsync(cancellationToken);
        (long? Version, int Attempts) outcome;
        try
        {
            outcome = await CommitLoopAsync(
            "STREAMING UPDATE",
            snapshot =>
            {
                pending = [.. parts.Where(p => (snapshot.TxnVersion(p.AppId) ?? -1) < p.Version)];
                if (pending.Count == 0)
                {
                    return null;
                }

                var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                var actions = pending.GroupBy(p => p.AppId, StringComparer.Ordinal)
                    .Select(g => new DeltaAction { Txn = new DeltaTxn { AppId = g.Key, Version = g.Max(p => p.Version), LastUpdated = now } })
                    .ToList();
                actions.AddRange(pending.SelectMany(p => p.Adds).Select(add => new DeltaAction { Add = add }));
                return (actions, new JsonObject
                {
                    ["outputMode"] = "Append",
                    ["queryId"] = _options.WriterId,
                    ["epochId"] = pending.Max(p => p.Version).ToString(System.Globalization.CultureInfo.InvariantCulture),
                });
            },
            isBlindAppend: true,
            cancellationToken);
        }
        finally
        {
            _gate.Release();
        }

        var (version, attempts) = outcome;
        var committed = version is null ? [] : pending.ToHashSet(ReferenceEqualityComparer.Instance);
        return new DeltaCommitResult(
            version,
            [.. parts.Select(p => committed.Contains(p) ? new DeltaPartOutcome(p.AppId, p.Version, true, version) : new DeltaPartOutcome(p.AppId, p.Version, false, null))],
            attempts);
    }

    /// <summary>
    /// Compacts, per partition value, the live files smaller than the target size into files of up to that size: one
    /// commit of their removes and the new files' adds, all <c>dataChange: false</c> (streaming readers skip it). Rows
    /// keep their order within a partition. Aborts when another writer removed one of the files meanwhile. A merge table
    /// is skipped (<see cref="DeltaOptimizeResult.Skipped"/> says why): it has one file per (state partition, bucket,
    /// partition value) by construction, and merging files of different buckets would break their ownership.
    /// </summary>
    public async Task<DeltaOptimizeResult> OptimizeAsync(DeltaOptimizeOptions? options, CancellationToken cancellationToken)
    {
        options ??= new DeltaOptimizeOptions();
        var target = options.TargetFileSize ?? _options.TargetFileSize;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var snapshot = await CurrentAsync(refresh: true, cancellationToken);
            var metadata = snapshot.Metadata ?? throw new InvalidOperationException($"Delta table {_storage.Uri} does not exist.");
            if (DeltaMergeLayout.BucketsOf(metadata) is { } buckets)
            {
                var skipped = $"Delta table {_storage.Uri} is a merge table ({DeltaMergeLayout.BucketsConfiguration}={buckets}): each epoch rewrites a bucket's files into one per partition value, "
                    + "so there are no small files of one (partition, bucket) to compact, and compacting across buckets would break their ownership; for fewer, larger files use fewer MergeBuckets.";
                LogOptimizeSkipped(_logger, skipped);
                return new DeltaOptimizeResult(null, 0, 0, 0, 0, 0, 0, skipped);
            }

            var schema = DeltaTableSchema.FromLog(metadata);
            var writer = new DeltaDataFileWriter(schema, _storage, _time);
            var bins = snapshot.Files.Values
                .Where(f => f.Size < target)
                .GroupBy(f => DeltaPartitionPath.Directory(schema.PartitionColumnNames, f.PartitionValues), StringComparer.Ordinal)
                .Where(g => g.Count() >= Math.Max(2, options.MinFilesPerPartition))
                .SelectMany(g => Bins(g.OrderBy(f => f.ModificationTime).ThenBy(f => f.Path, StringComparer.Ordinal), target))
                .Where(bin => bin.Count >= 2)
                .ToList();
            if (bins.Count == 0)
            {
                return new DeltaOptimizeResult(null, 0, 0, 0, 0, 0, 0);
            }

            var adds = new List<DeltaAddFile>();
            long rows = 0;
            try
            {
                foreach (var bin in bins)
                {
                    var binRows = new List<object?[]>();
                    foreach (var file in bin)
                    {
                        var content = await _storage.GetAsync(DeltaPartitionPath.FromUri(file.Path), cancellationToken)
                            ?? throw new FileNotFoundException($"Live data file {_storage.Uri}/{file.Path} is missing.");
                        using var stream = new MemoryStream(content, writable: false);
                        binRows.AddRange(await DeltaParquetFile.ReadAsync(schema.DataColumns, stream, cancellationToken));
                    }

                    rows += binRows.Count;
                    adds.Add(await writer.WriteFileAsync(bin[0].PartitionValues, binRows, dataChange: false, adds.Count, cancellationToken));
                }

                var removed = bins.SelectMany(b => b).ToList();
                var (version, _) = await CommitLoopAsync(
                    "OPTIMIZE",
                    current =>
                    {
                        if (removed.FirstOrDefault(f => !current.Files.ContainsKey(f.Path)) is { } gone)
                        {
                            throw new DeltaConcurrentModificationException($"Optimize of {_storage.Uri} lost to a commit that removed {gone.Path}; nothing was changed.");
                        }

                        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                        var actions = removed.Select(f => new DeltaAction
                        {
                            Remove = new DeltaRemoveFile
                            {
                                Path = f.Path, DeletionTimestamp = now, DataChange = false, ExtendedFileMetadata = true,
                                PartitionValues = f.PartitionValues, Size = f.Size,
                            },
                        }).Concat(adds.Select(a => new DeltaAction { Add = a })).ToList();
                        return (actions, new JsonObject { ["targetSize"] = target, ["predicate"] = "[]", ["zOrderBy"] = "[]" });
                    },
                    isBlindAppend: false,
                    cancellationToken);

                LogOptimized(_logger, _storage.Uri, version ?? -1, removed.Count, adds.Count);
                return new DeltaOptimizeResult(version, removed.Count, adds.Count, removed.Sum(f => f.Size), adds.Sum(a => a.Size), bins.Select(b => b[0].PartitionValues).Distinct(PartitionComparer.Instance).Count(), rows);
            }
            catch
            {
                // The new files were never committed: take them away again (vacuum in Full mode would, later).
                await DeleteQuietlyAsync(adds.Select(a => DeltaPartitionPath.FromUri(a.Path)).ToList());
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Deletes data files the latest snapshot does not reference, once unreferenced for longer than the retention
    /// (<see cref="DeltaVacuumOptions"/>). A retention shorter than <see cref="DeltaTableOptions.TombstoneRetention"/> is
    /// refused unless forced. Never touches <c>_delta_log</c> or other paths starting with '_' or '.'.
    /// </summary>
    /// <exception cref="ArgumentException">A retention shorter than the table's tombstone retention without <see cref="DeltaVacuumOptions.Force"/>.</exception>
    public async Task<DeltaVacuumResult> VacuumAsync(DeltaVacuumOptions? options, CancellationToken cancellationToken)
    {
        options ??= new DeltaVacuumOptions();
        if (options.Retention < _options.TombstoneRetention && !options.Force)
        {
            throw new ArgumentException(
                $"A vacuum retention of {options.Retention} is shorter than the table's {_options.TombstoneRetention}: readers of older versions could lose files. Set Force to do it anyway.",
                nameof(options));
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var snapshot = await CurrentAsync(refresh: true, cancellationToken);
            var cutoff = _time.GetUtcNow() - options.Retention;
            var live = snapshot.Files.Keys.Select(DeltaPartitionPath.FromUri).ToHashSet(StringComparer.Ordinal);
            var expiredTombstones = snapshot.Tombstones.Values
                .Where(r => r.DeletionTimestamp is { } t && DateTimeOffset.FromUnixTimeMilliseconds(t) < cutoff)
                .Select(r => DeltaPartitionPath.FromUri(r.Path))
                .ToHashSet(StringComparer.Ordinal);
            var doomed = new List<DeltaStoredObject>();
            await foreach (var item in _storage.ListAsync("", null, cancellationToken))
            {
                if (item.Path.Split('/').Any(segment => segment.StartsWith('_') || segment.StartsWith('.')) || live.Contains(item.Path))
                {
                    continue;
                }

                if (expiredTombstones.Contains(item.Path) || (options.Mode == DeltaVacuumMode.Full && item.LastModified < cutoff))
                {
                    doomed.Add(item);
                }
            }

            if (!options.DryRun && doomed.Count > 0)
            {
                await _storage.DeleteAsync([.. doomed.Select(d => d.Path)], cancellationToken);
            }

            LogVacuumed(_logger, _storage.Uri, doomed.Count, options.DryRun);
            return new DeltaVacuumResult([.. doomed.Select(d => d.Path)], doomed.Sum(d => d.Size), options.DryRun);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Writes a checkpoint of the latest version now (besides the ones every <see cref="DeltaTableOptions.CheckpointInterval"/> commits).</summary>
    /// <returns>The checkpoint's version; null when the table has no commit.</returns>
    public async Task<long?> CheckpointAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var snapshot = await CurrentAsync(refresh: true, cancellationToken);
            if (snapshot.Version < 0)
            {
                return null;
            }

            await WriteCheckpointAsync(snapshot, cancellationToken);
            return snapshot.Version;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<DeltaSnapshot> CurrentAsync(bool refresh, CancellationToken cancellationToken)
    {
        if (_snapshot is null)
        {
            _snapshot = await _reader.LoadAsync(cancellationToken);
            DeltaMetrics.Observe(_storage.Uri, _snapshot.Version);
        }
        else if (refresh)
        {
            await _reader.CatchUpAsync(_snapshot, cancellationToken);
            DeltaMetrics.Observe(_storage.Uri, _snapshot.Version);
        }

        return _snapshot;
    }

    /// <param name="prepare">The commit's actions (without commitInfo, protocol, metaData) and operation parameters on the given snapshot; null when there is nothing to commit. Called again after each lost race.</param>
    private async Task<(long? Version, int Attempts)> CommitLoopAsync(
        string operation, Func<DeltaSnapshot, (List<DeltaAction> Actions, JsonObject Parameters)?> prepare, bool isBlindAppend, CancellationToken cancellationToken)
    {
        // Callers hold the gate.
        {
            var started = Stopwatch.GetTimestamp();
            var snapshot = await CurrentAsync(refresh: false, cancellationToken);
            var (metadata, protocol) = (snapshot.Metadata, snapshot.Protocol);
            for (var attempt = 1; ; attempt++)
            {
                CheckWritable(snapshot);
                if (prepare(snapshot) is not { } plan)
                {
                    return (null, attempt);
                }

                var version = snapshot.Version + 1;
                var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                var actions = new List<DeltaAction> { new() { CommitInfo = CommitInfo(operation, plan.Parameters, now, version, isBlindAppend) } };
                if (version == 0)
                {
                    actions.Add(new DeltaAction { Protocol = DeltaProtocol.Supported });
                    actions.Add(new DeltaAction { Metadata = NewMetadata(now) });
                }

                actions.AddRange(plan.Actions);
                if (await _log.TryWriteCommitAsync(version, DeltaLogJson.Write(actions), cancellationToken))
                {
                    snapshot.Apply(version, actions);
                    DeltaMetrics.Commits.Add(1, new KeyValuePair<string, object?>("operation", operation));
                    DeltaMetrics.Observe(_storage.Uri, version);
                    LogCommitted(_logger, _storage.Uri, version, operation, plan.Actions.Count, attempt, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    if (_options.CheckpointInterval > 0 && version > 0 && version % _options.CheckpointInterval == 0)
                    {
                        await WriteCheckpointAsync(snapshot, cancellationToken);
                    }

                    return (version, attempt);
                }

                DeltaMetrics.LostRaces.Add(1);
                LogLostRace(_logger, _storage.Uri, version, attempt);
                if (attempt >= _options.MaxCommitAttempts)
                {
                    throw new DeltaConcurrentModificationException($"Gave up committing to {_storage.Uri} after losing {attempt} races (last at version {version}).");
                }

                var applied = await _reader.CatchUpAsync(snapshot, cancellationToken);
                if (applied.Count == 0)
                {
                    // The winner's file is not visible yet (its log store entry is being completed): give it a moment.
                    await Task.Delay(TimeSpan.FromMilliseconds(20 * attempt), _time, cancellationToken);
                    continue;
                }

                if (metadata is not null && (!Equals(snapshot.Metadata, metadata) || !Equals(snapshot.Protocol, protocol)))
                {
                    throw new DeltaConcurrentModificationException(
                        $"Another writer changed the metaData or protocol of {_storage.Uri} (by version {snapshot.Version}) while this one was committing; nothing was committed.");
                }

                (metadata, protocol) = (snapshot.Metadata, snapshot.Protocol);
            }
        }
    }

    private void CheckWritable(DeltaSnapshot snapshot)
    {
        if (snapshot.Metadata is not { } metadata)
        {
            _ = _schema ?? throw NoDefinition("create the table");
            return;
        }

        if (!string.Equals(metadata.Format.Provider, "parquet", StringComparison.OrdinalIgnoreCase))
        {
            throw new DeltaTableUnsupportedException($"Delta table {_storage.Uri} stores {metadata.Format.Provider} files, not parquet.");
        }

        DeltaSchemaJson.Parse(metadata.SchemaString, out var hasInvariants);
        if (hasInvariants)
        {
            throw new DeltaTableUnsupportedException($"Delta table {_storage.Uri} has column invariants (delta.invariants), which this writer cannot check: it will not write to it.");
        }

        if (_schema?.Mismatch(metadata) is { } mismatch)
        {
            throw new DeltaTableMismatchException($"Delta table {_storage.Uri} does not fit the sink's rows: {mismatch}.");
        }

        if (_definition is not null && DeltaMergeLayout.BucketsOf(metadata) != _definition.MergeBuckets)
        {
            var table = DeltaMergeLayout.BucketsOf(metadata) is not null
                ? $"a merge table of {metadata.Configuration[DeltaMergeLayout.BucketsConfiguration]} buckets ({DeltaMergeLayout.BucketsConfiguration})"
                : "a table rows are appended to";
            var sink = _definition.MergeBuckets is { } ours ? $"merges into {ours} buckets" : "appends rows";
            throw new DeltaTableMismatchException($"Delta table {_storage.Uri} is {table}, but this writer {sink}: the mode and bucket count are fixed for a table's life.");
        }
    }

    private DeltaMetadata NewMetadata(long now) => new()
    {
        Id = Guid.NewGuid().ToString(),
        SchemaString = _schema!.SchemaString,
        PartitionColumns = _schema.PartitionColumnNames,
        Configuration = _definition?.MergeBuckets is { } buckets
            ? new Dictionary<string, string> { [DeltaMergeLayout.BucketsConfiguration] = buckets.ToString(System.Globalization.CultureInfo.InvariantCulture) }
            : new Dictionary<string, string>(),
        CreatedTime = now,
    };

    private JsonObject CommitInfo(string operation, JsonObject parameters, long now, long version, bool isBlindAppend)
    {
        var info = new JsonObject
        {
            ["timestamp"] = now,
            ["operation"] = operation,
            ["operationParameters"] = parameters,
            ["isBlindAppend"] = isBlindAppend,
            ["engineInfo"] = "KinesisGrains.Sinks.Delta",
            ["txnId"] = Guid.NewGuid().ToString(),
        };
        if (version > 0)
        {
            info["readVersion"] = version - 1;
        }

        return info;
    }

    private async Task WriteCheckpointAsync(DeltaSnapshot snapshot, CancellationToken cancellationToken)
    {
        try
        {
            var keepAfter = (_time.GetUtcNow() - _options.TombstoneRetention).ToUnixTimeMilliseconds();
            var actions = snapshot.ToActions(keepAfter).ToList();
            var file = await DeltaCheckpointFile.WriteAsync(actions, cancellationToken);
            await _storage.PutAsync(DeltaLogPaths.Checkpoint(snapshot.Version), file, cancellationToken);

            // Only after the checkpoint exists: a reader following the pointer must find it.
            await _storage.PutAsync(
                DeltaLogPaths.LastCheckpoint,
                JsonSerializer.SerializeToUtf8Bytes(new DeltaLastCheckpoint(snapshot.Version, actions.Count), DeltaLogJson.Options),
                cancellationToken);
            DeltaMetrics.Checkpoints.Add(1);
            LogCheckpoint(_logger, _storage.Uri, snapshot.Version, actions.Count, file.Length);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The commit stands; readers replay more JSON until the next checkpoint.
            LogCheckpointFailed(_logger, _storage.Uri, snapshot.Version, e);
        }
    }

    private async Task DeleteQuietlyAsync(List<string> paths)
    {
        try
        {
            if (paths.Count > 0)
            {
                await _storage.DeleteAsync(paths, CancellationToken.None);
            }
        }
        catch (Exception e)
        {
            LogCleanupFailed(_logger, _storage.Uri, paths.Count, e);
        }
    }

    private static IEnumerable<List<DeltaAddFile>> Bins(IEnumerable<DeltaAddFile> files, long target)
    {
        var bin = new List<DeltaAddFile>();
        long size = 0;
        foreach (var file in files)
        {
            if (bin.Count > 0 && size + file.Size > target)
            {
                yield return bin;
                bin = [];
                size = 0;
            }

            bin.Add(file);
            size += file.Size;
        }

        if (bin.Count > 0)
        {
            yield return bin;
        }
    }

    private InvalidOperationException NoDefinition(string what) =>
        new($"DeltaTable {_storage.Uri} was opened without a DeltaTableDefinition and cannot {what}.");

    private sealed class PartitionComparer : IEqualityComparer<IReadOnlyDictionary<string, string?>>
    {
        public static readonly PartitionComparer Instance = new();

        public bool Equals(IReadOnlyDictionary<string, string?>? x, IReadOnlyDictionary<string, string?>? y) =>
            x is not null && y is not null && x.Count == y.Count && x.All(p => y.TryGetValue(p.Key, out var v) && v == p.Value);

        public int GetHashCode(IReadOnlyDictionary<string, string?> obj) =>
            obj.OrderBy(p => p.Key, StringComparer.Ordinal).Aggregate(0, (h, p) => HashCode.Combine(h, p.Key, p.Value));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Committed {Table} version {Version} ({Operation}, {Actions} actions, attempt {Attempt}) in {Milliseconds:F1} ms")]
    private static partial void LogCommitted(ILogger logger, string table, long version, string operation, int actions, int attempt, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Another writer committed {Table} version {Version} first (attempt {Attempt}); reading its commit and retrying on top")]
    private static partial void LogLostRace(ILogger logger, string table, long version, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote the checkpoint of {Table} at version {Version}: {Actions} actions, {Bytes} bytes")]
    private static partial void LogCheckpoint(ILogger logger, string table, long version, int actions, int bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write the checkpoint of {Table} at version {Version}; readers replay the JSON commits instead")]
    private static partial void LogCheckpointFailed(ILogger logger, string table, long version, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Optimized {Table} in version {Version}: {Removed} files compacted into {Added}")]
    private static partial void LogOptimized(ILogger logger, string table, long version, int removed, int added);

    [LoggerMessage(Level = LogLevel.Information, Message = "Optimize skipped: {Reason}")]
    private static partial void LogOptimizeSkipped(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Vacuumed {Table}: {Files} unreferenced files (dry run: {DryRun})")]
    private static partial void LogVacuumed(ILogger logger, string table, int files, bool dryRun);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete {Files} uncommitted files of {Table}; vacuum in Full mode takes them later")]
    private static partial void LogCleanupFailed(ILogger logger, string table, int files, Exception exception);
}
