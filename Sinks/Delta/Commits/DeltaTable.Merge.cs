using System.Globalization;
using System.Text.Json.Nodes;
using KinesisGrains.Abstractions.Sinks;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Sinks.Delta;

internal sealed partial class DeltaTable
{
    /// <summary>A merge writer for this table's rows (its definition must be a merge table's).</summary>
    public DeltaMergeWriter MergeWriter() => new(_definition ?? throw NoDefinition("merge rows"), _storage, _time);

    /// <summary>The txn version of <paramref name="appId"/> and the live files of state partition <paramref name="partition"/> (tagged with it); with <paramref name="refresh"/>, after reading commits this writer has not seen.</summary>
    public async Task<DeltaPartitionFiles> PartitionFilesAsync(string appId, int partition, bool refresh, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var snapshot = await CurrentAsync(refresh, cancellationToken);
            if (_definition is not null)
            {
                // A table of another mode or bucket count, or with files of no bucket, is named before the caller reads or uploads anything.
                CheckWritable(snapshot);
                if (_definition.MergeBuckets is not null)
                {
                    CheckOwnership(snapshot);
                }
            }

            return new DeltaPartitionFiles(snapshot.TxnVersion(appId), FilesOf(snapshot, partition));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Merges one state partition's epoch of changelog rows into the table (a merge table): skips it when
    /// <paramref name="appId"/> has <paramref name="version"/> already (before reading anything), else reads the touched
    /// buckets' files of this writer's snapshot, writes their new files and commits. When another writer changed one of
    /// those buckets meanwhile (the commit lost a race and the files it read are no longer the bucket's), the merge is
    /// done again from the new snapshot, until it commits or <see cref="DeltaTableOptions.MaxCommitAttempts"/> redos.
    /// </summary>
    /// <exception cref="DeltaRowException">A row that does not fit the schema; nothing was written.</exception>
    public async Task<DeltaMergeResult> MergeAsync(string appId, long version, int partition, IReadOnlyList<SinkRow> rows, CancellationToken cancellationToken)
    {
        var writer = MergeWriter();
        var batch = writer.Decode(rows);
        var state = await PartitionFilesAsync(appId, partition, refresh: false, cancellationToken);
        if (state.TxnVersion >= version)
        {
            return new DeltaMergeResult(null, DeltaMergeStatus.AlreadyCommitted, 0, 0, 0, 0, 0);
        }

        var attempts = 0;
        for (var redo = 0; ; redo++)
        {
            DeltaMergePart part;
            try
            {
                part = await writer.PrepareAsync(appId, version, partition, batch, state.Files, cancellationToken);
            }
            catch (FileNotFoundException) when (redo < _options.MaxCommitAttempts)
            {
                // Files of an old snapshot, vacuumed since: the table has moved on.
                state = await PartitionFilesAsync(appId, partition, refresh: true, cancellationToken);
                continue;
            }

            var result = await CommitMergeAsync([part], cancellationToken);
            attempts += result.Attempts;
            var outcome = result.Outcomes[0];
            if (outcome.Status != DeltaMergeStatus.Stale)
            {
                var committed = outcome.Status == DeltaMergeStatus.Committed;
                return new DeltaMergeResult(
                    outcome.TableVersion, outcome.Status, attempts, redo,
                    committed ? part.Buckets.Sum(b => b.Base.Count) : 0, committed ? part.Adds.Count() : 0, committed ? part.RowsWritten : 0);
            }

            if (redo + 1 >= _options.MaxCommitAttempts)
            {
                throw new DeltaConcurrentModificationException($"Gave up merging {appId} version {version} into {_storage.Uri}: other writers changed its buckets {redo + 1} times.");
            }

            state = new DeltaPartitionFiles(null, outcome.PartitionFiles);
        }
    }

    /// <summary>
    /// Commits the merge parts that can be in one version: a part is left out when its appId has its version already
    /// (<see cref="DeltaMergeStatus.AlreadyCommitted"/>) or when one of its buckets' live files are no longer exactly
    /// the files it read, or another part before it in this call claims the bucket (<see cref="DeltaMergeStatus.Stale"/>;
    /// parts are taken in appId and version order). The version holds a <c>txn</c> per appId, for every touched bucket
    /// the <c>remove</c>s (dataChange) of the files read and the <c>add</c>s of the new ones, and <c>commitInfo</c>
    /// (<c>MERGE</c>). A lost race is retried at the next version after checking every part again on the new snapshot.
    /// Uploads of parts left out are deleted.
    /// </summary>
    /// <exception cref="DeltaConcurrentModificationException">Another writer changed the table's metaData or protocol.</exception>
    /// <exception cref="DeltaTableMismatchException">The table has another schema, partitioning or bucket count, or is no merge table.</exception>
    public async Task<DeltaMergeCommitResult> CommitMergeAsync(IReadOnlyList<DeltaMergePart> parts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (_definition?.MergeBuckets is null)
        {
            throw new InvalidOperationException($"DeltaTable {_storage.Uri} was not opened with a merge table's definition and cannot commit merges.");
        }

        var statuses = new DeltaMergeStatus[parts.Count];
        DeltaMergeCommitResult result;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var outcome = await CommitLoopAsync(
                "MERGE",
                snapshot =>
                {
                    CheckOwnership(snapshot);
                    var owners = snapshot.Files.Values.ToLookup(f => { DeltaMergeLayout.TryGetOwner(f.Tags, out var p, out var b); return (p, b); });
                    var claimed = new HashSet<(int, int)>();
                    var included = new List<DeltaMergePart>();
                    foreach (var i in Enumerable.Range(0, parts.Count).OrderBy(i => parts[i].AppId, StringComparer.Ordinal).ThenBy(i => parts[i].Version))
                    {
                        var part = parts[i];
                        if ((snapshot.TxnVersion(part.AppId) ?? -1) >= part.Version)
                        {
                            statuses[i] = DeltaMergeStatus.AlreadyCommitted;
                            continue;
                        }

                        var fresh = part.Buckets.All(b =>
                            !claimed.Contains((part.Partition, b.Bucket))
                            && owners[(part.Partition, b.Bucket)].Select(f => f.Path).ToHashSet(StringComparer.Ordinal).SetEquals(b.Base));
                        if (!fresh)
                        {
                            statuses[i] = DeltaMergeStatus.Stale;
                            continue;
                        }

                        claimed.UnionWith(part.Buckets.Select(b => (part.Partition, b.Bucket)));
                        statuses[i] = DeltaMergeStatus.Committed;
                        included.Add(part);
                    }

                    if (included.Count == 0)
                    {
                        return null;
                    }

                    var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                    var actions = included.GroupBy(p => p.AppId, StringComparer.Ordinal)
                        .Select(g => new DeltaAction { Txn = new DeltaTxn { AppId = g.Key, Version = g.Max(p => p.Version), LastUpdated = now } })
                        .ToList();
                    foreach (var part in included)
                    {
                        foreach (var path in part.Buckets.SelectMany(b => b.Base))
                        {
                            var file = snapshot.Files[path];
                            actions.Add(new DeltaAction
                            {
                                Remove = new DeltaRemoveFile
                                {
                                    Path = file.Path, DeletionTimestamp = now, DataChange = true, ExtendedFileMetadata = true,
                                    PartitionValues = file.PartitionValues, Size = file.Size, Tags = file.Tags,
                                },
                            });
                        }

                        actions.AddRange(part.Adds.Select(add => new DeltaAction { Add = add }));
                    }

                    return (actions, new JsonObject
                    {
                        ["predicate"] = $"[\"target.{RowSchema.KeyColumn} = source.{RowSchema.KeyColumn}\"]",
                        ["queryId"] = _options.WriterId,
                        ["epochId"] = included.Max(p => p.Version).ToString(CultureInfo.InvariantCulture),
                        ["mergeBuckets"] = _definition.MergeBuckets.Value.ToString(CultureInfo.InvariantCulture),
                    });
                },
                isBlindAppend: false,
                cancellationToken);

            // Every planning round sets every part's status: the last round's are the commit's (none Committed when it wrote nothing).
            var byPartition = parts.Select(p => p.Partition).Distinct().ToDictionary(p => p, p => (IReadOnlyList<DeltaAddFile>)FilesOf(_snapshot!, p));
            result = new DeltaMergeCommitResult(
                outcome.Version,
                [.. parts.Select((p, i) => new DeltaMergeOutcome(
                    p.AppId, p.Version, statuses[i], statuses[i] == DeltaMergeStatus.Committed ? outcome.Version : null, byPartition[p.Partition]))],
                outcome.Attempts);
        }
        finally
        {
            _gate.Release();
        }

        await DeltaMergeWriter.DeleteAsync([.. parts.Where((_, i) => statuses[i] != DeltaMergeStatus.Committed).SelectMany(p => p.Adds)], _storage);
        foreach (var (part, status) in parts.Zip(statuses))
        {
            if (status == DeltaMergeStatus.Stale)
            {
                LogMergeStale(_logger, _storage.Uri, part.AppId, part.Version);
            }
        }

        return result;
    }

    /// <summary>
    /// Every live file of a merge table must belong to one (partition, bucket) of the table's bucket count: a file
    /// without the tags (another engine's OPTIMIZE, DELETE or append rewrote or added it) would hold keys no merge
    /// replaces, and the table would show them twice.
    /// </summary>
    private void CheckOwnership(DeltaSnapshot snapshot)
    {
        var buckets = _definition!.MergeBuckets!.Value;
        foreach (var file in snapshot.Files.Values)
        {
            if (!DeltaMergeLayout.TryGetOwner(file.Tags, out _, out var bucket) || bucket >= buckets)
            {
                throw new DeltaTableUnsupportedException(
                    $"Merge table {_storage.Uri} has the live file {file.Path} (version {snapshot.Version}) without a valid {DeltaMergeLayout.PartitionTag}/{DeltaMergeLayout.BucketTag} tag "
                    + "(another writer added or rewrote it); merging would leave its keys twice in the table, so this writer will not. Rebuild the table from the state.");
            }
        }
    }

    private static List<DeltaAddFile> FilesOf(DeltaSnapshot snapshot, int partition) =>
        [.. snapshot.Files.Values.Where(f => DeltaMergeLayout.TryGetOwner(f.Tags, out var p, out _) && p == partition)];

    [LoggerMessage(Level = LogLevel.Information, Message = "Merge of {AppId} version {Version} into {Table} is stale (another writer changed its buckets); it is read and written again")]
    private static partial void LogMergeStale(ILogger logger, string table, string appId, long version);
}
