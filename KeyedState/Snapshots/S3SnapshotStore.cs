using System.Collections.Concurrent;
using System.Diagnostics;
using Amazon.S3;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// Incremental snapshots of RocksDB checkpoints in S3, per partition: SST files are uploaded once and shared by every
/// snapshot that contains them; the other checkpoint files and a manifest are written per snapshot, the manifest last.
/// </summary>
/// <remarks>
/// Thread-safe. Uploads and prunes of one partition are serialized within this instance; across processes only the
/// partition's owner may upload or prune (a prune running while another process uploads can delete that upload's new files).
/// </remarks>
internal sealed class S3SnapshotStore : IDisposable
{
    private static readonly IReadOnlyDictionary<string, long> NoObjects = new Dictionary<string, long>();
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    private readonly IAmazonS3 _client;
    private readonly bool _ownsClient;
    private readonly S3SnapshotOptions _options;
    private readonly ILogger _logger;
    private readonly SnapshotKeys _keys;
    private readonly S3Objects _objects;
    private readonly SnapshotRestorer _restorer;
    private readonly FileHashes _hashes = new();

    // The shared objects (key → size) of the newest manifest this store wrote or restored per partition. Pruning never
    // deletes the newest manifest's files, so these need no HEAD before being reused.
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, long>> _confirmedShared = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _partitionGates = new(StringComparer.Ordinal);

    // Manifests this store wrote, restored or read for a prune, per partition: a snapshot id is never reused, so a
    // manifest never changes. Spares the pointer-driven prune a GET of every retained manifest at every commit.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<long, SnapshotManifest>> _manifests = new(StringComparer.Ordinal);

    /// <summary>Creates a store with its own S3 client built by <see cref="S3ClientFactory"/>.</summary>
    public S3SnapshotStore(S3SnapshotOptions options, ILogger<S3SnapshotStore>? logger = null)
        : this(options, S3ClientFactory.Create(options), ownsClient: true, logger)
    {
    }

    /// <summary>
    /// Creates a store on a caller's client (not disposed with the store). Against an emulator, build the client as
    /// <see cref="S3ClientFactory"/> does: the checksum settings that keep bodies plain are client-wide.
    /// </summary>
    public S3SnapshotStore(S3SnapshotOptions options, IAmazonS3 client, ILogger<S3SnapshotStore>? logger = null)
        : this(options, client, ownsClient: false, logger)
    {
    }

    private S3SnapshotStore(S3SnapshotOptions options, IAmazonS3 client, bool ownsClient, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(client);
        new S3SnapshotOptionsValidator(options).ValidateConfiguration();
        _options = options;
        _client = client;
        _ownsClient = ownsClient;
        _logger = logger ?? NullLogger.Instance;
        _keys = new SnapshotKeys(options.Prefix);
        _objects = new S3Objects(client, options, new TransferRetry(options, _logger), _logger);
        _restorer = new SnapshotRestorer(_objects, options);
    }

    /// <summary>
    /// Uploads the checkpoint in <paramref name="checkpointDirectory"/> (made by <c>RocksDatabase.CreateCheckpoint</c>)
    /// as snapshot <paramref name="snapshotId"/> of the partition. Only SST files S3 does not hold yet are sent.
    /// </summary>
    /// <param name="snapshotId">Must be new for the partition and larger than its earlier ids (restore takes the largest).</param>
    /// <param name="metadata">Stored in the manifest; the caller's source high-water marks.</param>
    /// <exception cref="InvalidOperationException">The id is taken, or the folder is not a checkpoint.</exception>
    public async Task<SnapshotUploadResult> UploadAsync(
        string partitionId,
        string checkpointDirectory,
        long snapshotId,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        SnapshotKeys.ValidatePartitionId(partitionId);
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointDirectory);
        ArgumentOutOfRangeException.ThrowIfNegative(snapshotId);
        var started = Stopwatch.GetTimestamp();
        var localFiles = ScanCheckpoint(checkpointDirectory);

        var gate = Gate(partitionId);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Reusing an id would overwrite the private files an existing manifest points to.
            var manifestKey = _keys.Manifest(partitionId, snapshotId);
            if (await _objects.SizeAsync(manifestKey, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw new InvalidOperationException($"Snapshot {snapshotId} of partition '{partitionId}' already exists ('{manifestKey}').");
            }

            var files = await DescribeAsync(partitionId, snapshotId, localFiles, cancellationToken).ConfigureAwait(false);
            var confirmed = _confirmedShared.GetValueOrDefault(partitionId) ?? NoObjects;
            long bytesUploaded = 0;
            var filesUploaded = 0;
            var filesReused = 0;
            using (var throttle = new SemaphoreSlim(_options.UploadConcurrency))
            {
                await Concurrently.RunAsync(files, async (entry, token) =>
                {
                    var file = entry.File;
                    if (SnapshotKeys.IsShared(file.Name) && await IsStoredAsync(file, confirmed, throttle, token).ConfigureAwait(false))
                    {
                        Interlocked.Increment(ref filesReused);
                        return;
                    }

                    await _objects.PutFileAsync(file.ObjectKey, entry.Local.FullName, file.Size, file.Sha256, throttle, token).ConfigureAwait(false);
                    Interlocked.Add(ref bytesUploaded, file.Size);
                    Interlocked.Increment(ref filesUploaded);
                }, cancellationToken).ConfigureAwait(false);
            }

            var manifest = new SnapshotManifest
            {
                PartitionId = partitionId,
                SnapshotId = snapshotId,
                CreatedAt = DateTimeOffset.UtcNow,
                Files = [.. files.Select(entry => entry.File)],
                Metadata = new Dictionary<string, string>(metadata ?? NoMetadata, StringComparer.Ordinal),
            };

            // Last: a manifest exists only when every file it names does.
            await _objects.PutTextAsync(manifestKey, SnapshotManifestJson.Serialize(manifest), cancellationToken).ConfigureAwait(false);

            ConfirmShared(manifest);
            RememberManifest(manifest);
            _hashes.Remember(partitionId, files.Where(entry => SnapshotKeys.IsShared(entry.File.Name)).Select(entry => (entry.Local, entry.File.Sha256)));

            var elapsed = Stopwatch.GetElapsedTime(started);
            SnapshotLog.Uploaded(_logger, snapshotId, partitionId, filesUploaded, bytesUploaded, filesReused, elapsed.TotalMilliseconds);
            return new SnapshotUploadResult(manifest, bytesUploaded, filesUploaded, filesReused, elapsed);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The ids of the partition's snapshots that have a manifest, ascending.</summary>
    public async Task<IReadOnlyList<long>> ListSnapshotIdsAsync(string partitionId, CancellationToken cancellationToken = default)
    {
        SnapshotKeys.ValidatePartitionId(partitionId);
        var prefix = _keys.Manifests(partitionId);
        var ids = new List<long>();
        await foreach (var item in _objects.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            if (SnapshotKeys.TryParseManifestId(prefix, item.Key, out var id))
            {
                ids.Add(id);
            }
        }

        ids.Sort();
        return ids;
    }

    /// <summary>The manifest of one snapshot; null when it does not exist.</summary>
    /// <exception cref="SnapshotCorruptException">The manifest exists but is unreadable.</exception>
    public async Task<SnapshotManifest?> GetManifestAsync(string partitionId, long snapshotId, CancellationToken cancellationToken = default)
    {
        SnapshotKeys.ValidatePartitionId(partitionId);
        var key = _keys.Manifest(partitionId, snapshotId);
        var json = await _objects.GetTextAsync(key, cancellationToken).ConfigureAwait(false);
        return json is null ? null : SnapshotManifestJson.Parse(json, key, partitionId, snapshotId);
    }

    /// <summary>
    /// Makes <paramref name="targetDirectory"/> hold exactly the snapshot's files, ready for
    /// <c>RocksDatabase.Open(target, new RocksDbOptions { CreateIfMissing = false })</c>. Files already there, or in
    /// <paramref name="localCacheDirectory"/> (say, an older checkpoint of the same partition), with the right size and
    /// SHA-256 are not downloaded; other files in the folder are deleted. The DB must not be open on the folder.
    /// </summary>
    /// <exception cref="SnapshotCorruptException">A file is missing from S3 or does not match the manifest.</exception>
    public async Task<SnapshotRestoreResult> RestoreAsync(
        SnapshotManifest manifest,
        string targetDirectory,
        string? localCacheDirectory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentException.ThrowIfNullOrWhiteSpace(targetDirectory);
        SnapshotKeys.ValidatePartitionId(manifest.PartitionId);
        SnapshotManifestJson.ThrowIfInvalid(manifest, _keys.Manifest(manifest.PartitionId, manifest.SnapshotId));
        var started = Stopwatch.GetTimestamp();

        var (bytesDownloaded, filesDownloaded, filesReused) = await _restorer
            .RestoreAsync(manifest, targetDirectory, localCacheDirectory, cancellationToken).ConfigureAwait(false);

        // The next upload from this folder's DB shares these files: no HEAD, and no re-hash of the hard links to them.
        ConfirmShared(manifest);
        RememberManifest(manifest);
        _hashes.Remember(manifest.PartitionId, manifest.Files
            .Where(file => SnapshotKeys.IsShared(file.Name))
            .Select(file => (new FileInfo(Path.Combine(targetDirectory, file.Name)), file.Sha256)));

        var elapsed = Stopwatch.GetElapsedTime(started);
        SnapshotLog.Restored(_logger, manifest.SnapshotId, manifest.PartitionId, filesDownloaded, bytesDownloaded, filesReused, elapsed.TotalMilliseconds);
        return new SnapshotRestoreResult(manifest, bytesDownloaded, filesDownloaded, filesReused, elapsed);
    }

    /// <summary>
    /// Restores the newest snapshot of the partition found by listing its manifests, falling back to older ones when a
    /// manifest or file is corrupt or missing; the result says so (<see cref="SnapshotRestoreResult.IsFallback"/>).
    /// Null when the partition has no snapshot. A listing also finds manifests a fenced writer never committed: with
    /// an <see cref="ISnapshotFence"/>, restore through <see cref="FencedSnapshotWriter.RestoreAsync"/> instead.
    /// </summary>
    /// <exception cref="SnapshotCorruptException">Snapshots exist but none can be restored.</exception>
    public async Task<SnapshotRestoreResult?> RestoreLatestAsync(
        string partitionId,
        string targetDirectory,
        string? localCacheDirectory = null,
        CancellationToken cancellationToken = default)
    {
        var ids = await ListSnapshotIdsAsync(partitionId, cancellationToken).ConfigureAwait(false);
        return await RestoreNewestAsync(partitionId, [.. ids.Reverse()], targetDirectory, localCacheDirectory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Restores the first of <paramref name="candidatesNewestFirst"/> that is intact. The first candidate is the newest
    /// committed snapshot: restoring any other is a fallback, logged as a warning, counted
    /// (<c>kgrains.state.snapshot_fallbacks</c>) and reported in the result with the snapshots skipped and why.
    /// Null when there are no candidates.
    /// </summary>
    /// <remarks>When none of the candidates can be restored, the partition starts empty (null), loudly.</remarks>
    public async Task<SnapshotRestoreResult?> RestoreNewestAsync(
        string partitionId,
        IReadOnlyList<long> candidatesNewestFirst,
        string targetDirectory,
        string? localCacheDirectory = null,
        CancellationToken cancellationToken = default)
    {
        SnapshotKeys.ValidatePartitionId(partitionId);
        ArgumentNullException.ThrowIfNull(candidatesNewestFirst);
        if (candidatesNewestFirst.Count == 0)
        {
            return null;
        }

        var newest = candidatesNewestFirst[0];
        var skipped = new List<SkippedSnapshot>();
        SnapshotCorruptException? newestFailure = null;
        foreach (var id in candidatesNewestFirst)
        {
            try
            {
                var manifest = await GetManifestAsync(partitionId, id, cancellationToken).ConfigureAwait(false);
                if (manifest is null)
                {
                    var key = _keys.Manifest(partitionId, id);
                    skipped.Add(new SkippedSnapshot(id, $"its manifest '{key}' is missing"));
                    newestFailure ??= new SnapshotCorruptException($"Snapshot manifest '{key}' is missing.", key);
                    SnapshotLog.FallingBack(_logger, null, id, partitionId, "its manifest is missing");
                    continue;
                }

                var result = await RestoreAsync(manifest, targetDirectory, localCacheDirectory, cancellationToken).ConfigureAwait(false);
                if (skipped.Count == 0)
                {
                    return result with { NewestSnapshotId = newest };
                }

                KinesisGrains.KeyedState.Diagnostics.KeyedStateMetrics.SnapshotFallbacks.Add(1);
                SnapshotLog.RestoredOlder(_logger, partitionId, id, newest, string.Join("; ", skipped.Select(s => $"{s.SnapshotId}: {s.Reason}")));
                return result with { NewestSnapshotId = newest, Skipped = skipped };
            }
            catch (SnapshotCorruptException exception)
            {
                skipped.Add(new SkippedSnapshot(id, exception.Message));
                SnapshotLog.FallingBack(_logger, exception, id, partitionId, exception.Message);
                newestFailure ??= exception;
            }
        }

        // Rule 4: the oldest point a partition can come back to is nothing at all. Starting empty is safe (its ledger
        // proves nothing, so every shard replays from its origin for it) and beats an activation that fails for ever.
        KinesisGrains.KeyedState.Diagnostics.KeyedStateMetrics.SnapshotFallbacks.Add(1);
        SnapshotLog.RestoredNothing(_logger, partitionId, newest, string.Join("; ", skipped.Select(s => $"{s.SnapshotId}: {s.Reason}")));
        return null;
    }

    /// <summary>
    /// Keeps the newest <see cref="S3SnapshotOptions.SnapshotsToRetain"/> snapshots found by listing the partition's
    /// manifests and deletes every other object under it older than <see cref="S3SnapshotOptions.PruneGracePeriod"/>.
    /// Without a fence only: a listing cannot tell committed manifests from a fenced writer's; a
    /// <see cref="FencedSnapshotWriter"/> prunes by its pointer's retained list.
    /// </summary>
    /// <exception cref="SnapshotCorruptException">A manifest to keep is unreadable; nothing is deleted.</exception>
    public async Task<SnapshotPruneResult> PruneAsync(string partitionId, CancellationToken cancellationToken = default)
    {
        var ids = await ListSnapshotIdsAsync(partitionId, cancellationToken).ConfigureAwait(false);
        return await PruneAsync(partitionId, [.. ids.Skip(Math.Max(0, ids.Count - _options.SnapshotsToRetain))], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes every object of the partition that no manifest of <paramref name="retainedSnapshotIds"/> names (those
    /// manifests included) and that is older than <see cref="S3SnapshotOptions.PruneGracePeriod"/>: manifests first,
    /// so no manifest ever names a deleted file, then files (leftovers of failed or fenced uploads included). An object
    /// younger than the grace period may belong to an upload whose manifest is not committed yet, and is kept.
    /// </summary>
    /// <param name="beforeDelete">
    /// Runs after the listing, before anything is deleted: a fenced writer checks there that it still holds the
    /// partition, since a newer writer may have uploaded files this prune saw unreferenced (throw to delete nothing).
    /// </param>
    /// <exception cref="SnapshotCorruptException">A manifest to keep is unreadable; nothing is deleted.</exception>
    public async Task<SnapshotPruneResult> PruneAsync(
        string partitionId, IReadOnlyCollection<long> retainedSnapshotIds, CancellationToken cancellationToken = default, Func<CancellationToken, Task>? beforeDelete = null)
    {
        SnapshotKeys.ValidatePartitionId(partitionId);
        ArgumentNullException.ThrowIfNull(retainedSnapshotIds);
        var gate = Gate(partitionId);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var retained = retainedSnapshotIds.Distinct().Order().ToList();

            // Read from S3, not the cache: a retained manifest that is gone stops the prune.
            var referenced = await ReferencedByAsync(partitionId, retained, GetManifestAsync, cancellationToken).ConfigureAwait(false);

            // Objects modified after this are too young to delete: their manifest may not be committed yet.
            var youngerThan = DateTime.UtcNow - _options.PruneGracePeriod;
            var manifestsPrefix = _keys.Manifests(partitionId);
            var unreferenced = new List<(string Key, long Size)>();
            var kept = 0;
            await foreach (var item in _objects.ListAsync(_keys.Partition(partitionId), cancellationToken).ConfigureAwait(false))
            {
                if (referenced.Contains(item.Key))
                {
                    continue;
                }

                if (item.LastModified is not { } modified || modified.ToUniversalTime() > youngerThan)
                {
                    kept++;
                    continue;
                }

                unreferenced.Add((item.Key, item.Size ?? 0));
            }

            if (beforeDelete is not null && unreferenced.Count > 0)
            {
                await beforeDelete(cancellationToken).ConfigureAwait(false);
            }

            // Manifests go first, so no manifest ever names a deleted file.
            var deletedIds = new List<long>();
            var manifestKeys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, _) in unreferenced)
            {
                if (SnapshotKeys.TryParseManifestId(manifestsPrefix, key, out var id))
                {
                    deletedIds.Add(id);
                    manifestKeys.Add(key);
                }
            }

            deletedIds.Sort();
            await _objects.DeleteAsync([.. unreferenced.Where(o => manifestKeys.Contains(o.Key)).Select(o => o.Key)], cancellationToken).ConfigureAwait(false);
            await _objects.DeleteAsync([.. unreferenced.Where(o => !manifestKeys.Contains(o.Key)).Select(o => o.Key)], cancellationToken).ConfigureAwait(false);

            ForgetDeleted(partitionId, retained, unreferenced.Select(o => o.Key).ToHashSet(StringComparer.Ordinal));

            var bytesDeleted = unreferenced.Sum(o => o.Size);
            SnapshotLog.Pruned(_logger, partitionId, deletedIds.Count, unreferenced.Count, bytesDeleted, kept);
            return new SnapshotPruneResult(deletedIds, retained, unreferenced.Count, bytesDeleted) { ObjectsKeptYoung = kept };
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Deletes committed snapshots that left the retained list, found by id (the fence's pointer says which), without
    /// listing: each one's manifest first, then the files it names that no manifest of
    /// <paramref name="retainedSnapshotIds"/> names. A dropped snapshot whose manifest is missing or unreadable loses
    /// only its manifest key; whatever else it left is for the listing prune (the <c>PruneAsync</c> overload without ids).
    /// </summary>
    /// <remarks>
    /// No grace period: these snapshots were committed, so no upload still in flight can be about to name their
    /// private files, and their shared files that no retained snapshot names were compacted away before the retained
    /// ones were taken (RocksDB never reuses a file number), so no later checkpoint of this partition contains them.
    /// </remarks>
    /// <exception cref="SnapshotCorruptException">A manifest to keep is unreadable; nothing is deleted.</exception>
    /// <exception cref="InvalidOperationException">A manifest to keep is missing; nothing is deleted.</exception>
    public async Task<SnapshotPruneResult> PruneDroppedAsync(
        string partitionId, IReadOnlyCollection<long> droppedSnapshotIds, IReadOnlyCollection<long> retainedSnapshotIds, CancellationToken cancellationToken = default)
    {
        SnapshotKeys.ValidatePartitionId(partitionId);
        ArgumentNullException.ThrowIfNull(droppedSnapshotIds);
        ArgumentNullException.ThrowIfNull(retainedSnapshotIds);
        var retained = retainedSnapshotIds.Distinct().Order().ToList();
        var dropped = droppedSnapshotIds.Except(retained).Distinct().Order().ToList();
        if (dropped.Count == 0)
        {
            return new SnapshotPruneResult([], retained, 0, 0);
        }

        var gate = Gate(partitionId);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var referenced = await ReferencedByAsync(partitionId, retained, KnownManifestAsync, cancellationToken).ConfigureAwait(false);

            var manifestKeys = new List<string>();
            var files = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var id in dropped)
            {
                manifestKeys.Add(_keys.Manifest(partitionId, id));
                SnapshotManifest? manifest;
                try
                {
                    manifest = await KnownManifestAsync(partitionId, id, cancellationToken).ConfigureAwait(false);
                }
                catch (SnapshotCorruptException)
                {
                    manifest = null;
                }

                foreach (var file in manifest?.Files ?? [])
                {
                    if (!referenced.Contains(file.ObjectKey))
                    {
                        files[file.ObjectKey] = file.Size;
                    }
                }
            }

            // Manifests go first, so no manifest ever names a deleted file.
            await _objects.DeleteAsync(manifestKeys, cancellationToken).ConfigureAwait(false);
            await _objects.DeleteAsync([.. files.Keys], cancellationToken).ConfigureAwait(false);
            ForgetDeleted(partitionId, retained, files.Keys.ToHashSet(StringComparer.Ordinal));

            var bytesDeleted = files.Values.Sum();
            SnapshotLog.Pruned(_logger, partitionId, dropped.Count, manifestKeys.Count + files.Count, bytesDeleted, 0);
            return new SnapshotPruneResult(dropped, retained, manifestKeys.Count + files.Count, bytesDeleted);
        }
        finally
        {
            gate.Release();
        }
    }

    internal int SnapshotsToRetain => _options.SnapshotsToRetain;

    internal TimeSpan PruneGracePeriod => _options.PruneGracePeriod;

    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    private static List<FileInfo> ScanCheckpoint(string checkpointDirectory)
    {
        var directory = new DirectoryInfo(checkpointDirectory);
        if (!directory.Exists)
        {
            throw new DirectoryNotFoundException($"Checkpoint folder '{directory.FullName}' does not exist.");
        }

        // A checkpoint is flat; anything nested would silently be missing after a restore.
        if (directory.EnumerateDirectories().FirstOrDefault() is { } nested)
        {
            throw new InvalidOperationException($"'{directory.FullName}' is not a RocksDB checkpoint: it contains the folder '{nested.Name}'.");
        }

        var files = directory.EnumerateFiles().OrderBy(file => file.Name, StringComparer.Ordinal).ToList();
        if (!files.Any(file => file.Name == "CURRENT"))
        {
            throw new InvalidOperationException($"'{directory.FullName}' is not a RocksDB checkpoint: it has no CURRENT file.");
        }

        return files;
    }

    private async Task<List<(FileInfo Local, SnapshotFile File)>> DescribeAsync(
        string partitionId, long snapshotId, List<FileInfo> localFiles, CancellationToken cancellationToken)
    {
        var described = new (FileInfo Local, SnapshotFile File)[localFiles.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, localFiles.Count), options, async (index, token) =>
        {
            var local = localFiles[index];
            var shared = SnapshotKeys.IsShared(local.Name);
            var sha256 = shared
                ? await _hashes.ImmutableSha256Async(partitionId, local, token).ConfigureAwait(false)
                : await FileHashes.Sha256Async(local.FullName, token).ConfigureAwait(false);
            described[index] = (local, new SnapshotFile
            {
                Name = local.Name,
                ObjectKey = shared ? _keys.Shared(partitionId, local.Name, sha256) : _keys.Private(partitionId, snapshotId, local.Name),
                Size = local.Length,
                Sha256 = sha256,
            });
        }).ConfigureAwait(false);
        return [.. described];
    }

    private async Task<bool> IsStoredAsync(SnapshotFile file, IReadOnlyDictionary<string, long> confirmed, SemaphoreSlim throttle, CancellationToken cancellationToken)
    {
        if (confirmed.TryGetValue(file.ObjectKey, out var size) && size == file.Size)
        {
            return true;
        }

        // Content-addressed, so an object of the right size under the key is this file (restore checks the hash anyway).
        var stored = await Concurrently.ThrottledAsync(throttle, () => _objects.SizeAsync(file.ObjectKey, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
        return stored == file.Size;
    }

    private void ConfirmShared(SnapshotManifest manifest) =>
        _confirmedShared[manifest.PartitionId] = manifest.Files
            .Where(file => SnapshotKeys.IsShared(file.Name))
            .ToDictionary(file => file.ObjectKey, file => file.Size, StringComparer.Ordinal);

    private void RememberManifest(SnapshotManifest manifest) =>
        _manifests.GetOrAdd(manifest.PartitionId, _ => new ConcurrentDictionary<long, SnapshotManifest>())[manifest.SnapshotId] = manifest;

    /// <summary>The object keys the retained snapshots name, their manifests included.</summary>
    /// <exception cref="InvalidOperationException">A retained manifest is missing: its files are unknown, so nothing may be deleted.</exception>
    private async Task<HashSet<string>> ReferencedByAsync(
        string partitionId,
        IReadOnlyList<long> retained,
        Func<string, long, CancellationToken, Task<SnapshotManifest?>> readManifest,
        CancellationToken cancellationToken)
    {
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in retained)
        {
            // Unreadable (SnapshotCorruptException) or missing: its files are unknown, so stop here.
            var manifest = await readManifest(partitionId, id, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Snapshot {id} of partition '{partitionId}' is retained but its manifest is missing; nothing pruned.");
            referenced.Add(_keys.Manifest(partitionId, id));
            referenced.UnionWith(manifest.Files.Select(file => file.ObjectKey));
        }

        return referenced;
    }

    // A writer prunes after committing its upload, so the manifests still wanted are the retained ones; deleted shared
    // files are no longer confirmed for reuse.
    private void ForgetDeleted(string partitionId, IReadOnlyCollection<long> retained, HashSet<string> deletedKeys)
    {
        if (_manifests.TryGetValue(partitionId, out var known))
        {
            foreach (var id in known.Keys.Where(id => !retained.Contains(id)))
            {
                known.TryRemove(id, out _);
            }
        }

        if (_confirmedShared.TryGetValue(partitionId, out var confirmed))
        {
            _confirmedShared[partitionId] = confirmed.Where(entry => !deletedKeys.Contains(entry.Key)).ToDictionary(StringComparer.Ordinal);
        }
    }

    private async Task<SnapshotManifest?> KnownManifestAsync(string partitionId, long snapshotId, CancellationToken cancellationToken)
    {
        if (_manifests.TryGetValue(partitionId, out var known) && known.TryGetValue(snapshotId, out var manifest))
        {
            return manifest;
        }

        manifest = await GetManifestAsync(partitionId, snapshotId, cancellationToken).ConfigureAwait(false);
        if (manifest is not null)
        {
            RememberManifest(manifest);
        }

        return manifest;
    }

    private SemaphoreSlim Gate(string partitionId) => _partitionGates.GetOrAdd(partitionId, _ => new SemaphoreSlim(1, 1));
}
