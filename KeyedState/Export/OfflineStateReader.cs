using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.KeyedState.Timers;

namespace KinesisGrains.KeyedState.Export;

/// <summary>
/// Reads partitions' state from their S3 snapshots without a silo (as Flink's State Processor API reads a savepoint):
/// downloads a snapshot's files into a folder of its own with the restore a partition uses (size and SHA-256 of every
/// file checked), opens that copy with RocksDB, and hands out each key's state, deleting the copy afterwards. Keys
/// whose time-to-live ran out are left out, as a query leaves them out.
/// </summary>
/// <remarks>
/// Never writes to S3 or to the pointer table. The snapshots' <see cref="S3SnapshotOptions.Prefix"/> is the one the
/// silo writes under: <c>{Snapshots:Prefix}/{application}/{stream creation ms}</c>.
/// </remarks>
public sealed class OfflineStateReader : IDisposable
{
    private const string PartitionSeparator = ".p-";
    private readonly S3SnapshotStore _store;
    private readonly string _workDirectory;
    private readonly TimeProvider _time;

    /// <param name="snapshots">Where the snapshots are (bucket, full prefix, endpoint, credentials).</param>
    /// <param name="workDirectory">Where snapshots are downloaded to, one folder per read, deleted after it; default: a new folder under the system's temp folder.</param>
    /// <param name="time">The clock of processing-time TTLs; default: the system's.</param>
    public OfflineStateReader(S3SnapshotOptions snapshots, string? workDirectory = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        _store = new S3SnapshotStore(snapshots);
        _workDirectory = Path.GetFullPath(workDirectory ?? Path.Combine(Path.GetTempPath(), "kgrains-state-" + Guid.NewGuid().ToString("N")[..12]));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The snapshot name of partition <paramref name="partition"/> of state <paramref name="stateName"/>: <c>{state}.p-00007</c>.</summary>
    public static string PartitionIdOf(string stateName, int partition) => PartitionStateStores.PartitionIdOf(stateName, partition);

    /// <summary>The state's name in a partition id (<c>{state}.p-00007</c>); null when the id is not a partition's.</summary>
    public static string? StateNameOf(string partitionId) =>
        partitionId.LastIndexOf(PartitionSeparator, StringComparison.Ordinal) is var at and > 0 ? partitionId[..at] : null;

    /// <summary>
    /// Downloads a partition's snapshot into a folder of its own with the restore a partition uses (size and SHA-256 of
    /// every file checked). Several downloads may run at once, and beside reads of others.
    /// </summary>
    /// <exception cref="StateSnapshotMissingException">The snapshot has no manifest.</exception>
    /// <exception cref="InvalidDataException">A file of the snapshot is missing or does not match its manifest.</exception>
    public async Task<DownloadedSnapshot> DownloadAsync(string partitionId, long snapshotId, CancellationToken cancellationToken = default)
    {
        SnapshotKeys.ValidatePartitionId(partitionId);
        var directory = Path.Combine(_workDirectory, $"{partitionId}-{snapshotId}-{Guid.NewGuid():N}");
        try
        {
            var manifest = await _store.GetManifestAsync(partitionId, snapshotId, cancellationToken).ConfigureAwait(false)
                ?? throw new StateSnapshotMissingException(partitionId, $"Partition {partitionId} has no snapshot {snapshotId} (no manifest in S3).");
            await _store.RestoreAsync(manifest, directory, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new DownloadedSnapshot(partitionId, snapshotId, directory, manifest);
        }
        catch (SnapshotCorruptException exception)
        {
            DeleteDirectory(directory);
            throw new InvalidDataException($"Snapshot {snapshotId} of partition {partitionId} cannot be read: {exception.Message}", exception);
        }
        catch
        {
            DeleteDirectory(directory);
            throw;
        }
    }

    /// <summary>
    /// Calls <paramref name="onEntry"/> with every key of the downloaded snapshot whose key starts with
    /// <paramref name="keyPrefix"/> (all keys when null or empty), in the store's order (by key group, then by the
    /// byte order of their UTF-8 keys: a prefix is no range of it, so every key is looked at); keys whose time-to-live
    /// ran out are counted, not handed out.
    /// </summary>
    public async Task<PartitionSnapshotRead> ReadAsync(
        DownloadedSnapshot snapshot, string? keyPrefix, Func<StateEntry, CancellationToken, ValueTask> onEntry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(onEntry);
        var (lower, upper) = StateKeys.GroupRange(StateKeys.StateKind, 0, KeyGroups.Count - 1);
        var prefix = Encoding.UTF8.GetBytes(keyPrefix ?? "");
        using var database = Open(snapshot);
        var (read, expired) = Describe(database, snapshot.Manifest);
        long keys = 0, hidden = 0;
        var entries = new List<StateEntry>(capacity: 1024);
        using (var iterator = database.NewIterator(lower, upper, fillCache: false))
        {
            // A page at a time: the iterator's spans are native memory and cannot cross an await.
            iterator.Seek(lower);
            while (iterator.Valid)
            {
                entries.Clear();
                for (; iterator.Valid && entries.Count < entries.Capacity; iterator.Next())
                {
                    var key = StateKeys.Utf8KeyOfGrouped(iterator.Key);
                    if (key.StartsWith(prefix))
                    {
                        entries.Add(new StateEntry(Encoding.UTF8.GetString(key), iterator.Value.ToArray()));
                    }
                }

                foreach (var entry in entries)
                {
                    if (expired(entry.Key))
                    {
                        hidden++;
                        continue;
                    }

                    await onEntry(entry, cancellationToken).ConfigureAwait(false);
                    keys++;
                }
            }
        }

        return read with { Keys = keys, ExpiredKeys = hidden };
    }

    /// <summary>Downloads a partition's snapshot, hands out its keys (<see cref="ReadAsync(DownloadedSnapshot, string?, Func{StateEntry, CancellationToken, ValueTask}, CancellationToken)"/>) and deletes it.</summary>
    /// <exception cref="StateSnapshotMissingException">The snapshot has no manifest.</exception>
    /// <exception cref="InvalidDataException">A file of the snapshot is missing or does not match its manifest.</exception>
    public async Task<PartitionSnapshotRead> ReadAsync(
        string partitionId, long snapshotId, string? keyPrefix, Func<StateEntry, CancellationToken, ValueTask> onEntry, CancellationToken cancellationToken = default)
    {
        using var snapshot = await DownloadAsync(partitionId, snapshotId, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(snapshot, keyPrefix, onEntry, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One key's state in a partition's snapshot, downloaded for the call; null when the key has none, or it expired.</summary>
    /// <exception cref="StateSnapshotMissingException">The snapshot has no manifest.</exception>
    /// <exception cref="InvalidDataException">A file of the snapshot is missing or does not match its manifest.</exception>
    public async Task<(PartitionSnapshotRead Snapshot, byte[]? Value)> GetAsync(string partitionId, long snapshotId, string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var snapshot = await DownloadAsync(partitionId, snapshotId, cancellationToken).ConfigureAwait(false);
        using var database = Open(snapshot);
        var (read, expired) = Describe(database, snapshot.Manifest);
        var value = database.Get(StateKeys.State(key)) is { } bytes && !expired(key) ? bytes : null;
        return (read with { Keys = value is null ? 0 : 1 }, value);
    }

    /// <summary>Deletes the download folder.</summary>
    public void Dispose()
    {
        _store.Dispose();
        DeleteDirectory(_workDirectory);
    }

    // A copy of our own: what RocksDB writes when it opens (a new MANIFEST, an empty log, a snapshot of before key
    // groups upgraded) goes nowhere.
    private static RocksDatabase Open(DownloadedSnapshot snapshot)
    {
        var database = RocksDatabase.Open(snapshot.Directory, new RocksDbOptions
        {
            CreateIfMissing = false,
            DisableWal = true,
            BlockCacheBytes = 8 << 20,
            WriteBufferBytes = 4 << 20,
            MaxBackgroundJobs = 1,
        });
        using (var store = new RocksDbKeyValueStore(database, ownsDatabase: false))
        {
            KeyGroupUpgrade.Upgrade(store);
        }

        return database;
    }

    private (PartitionSnapshotRead Read, Func<string, bool> Expired) Describe(RocksDatabase database, SnapshotManifest manifest)
    {
        long? watermark = database.Get(StateKeys.PartitionWatermark) is { Length: sizeof(long) } w ? BinaryPrimitives.ReadInt64BigEndian(w) : null;
        var read = new PartitionSnapshotRead(
            manifest.PartitionId,
            manifest.SnapshotId,
            manifest.CreatedAt,
            manifest.Metadata.TryGetValue(SnapshotMetadata.Epoch, out var epoch) && long.TryParse(epoch, NumberStyles.Integer, CultureInfo.InvariantCulture, out var e) ? e : null,
            SnapshotMetadata.CoveredOf(manifest.Metadata),
            Keys: 0,
            ExpiredKeys: 0,
            watermark);
        return (read, ExpiryOf(database, SnapshotMetadata.TimeToLiveOf(manifest.Metadata), watermark));
    }

    /// <summary>
    /// The rule of the partition grain's IsExpired: a key last touched at t is gone once t + TTL is at or before the
    /// TTL's clock (the snapshot's watermark for event time, now for processing time); a key never touched lives on.
    /// </summary>
    private Func<string, bool> ExpiryOf(RocksDatabase database, StateTimeToLive? ttl, long? watermark)
    {
        if (ttl is null)
        {
            return static _ => false;
        }

        long? now = ttl.Domain == TimeDomain.EventTime ? watermark : _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (now is not { } clock)
        {
            return static _ => false;
        }

        return key => database.Get(StateKeys.Touched(key)) is { Length: sizeof(long) } touched
            && ttl.ExpiryOf(BinaryPrimitives.ReadInt64BigEndian(touched)) <= clock;
    }

    internal static void DeleteDirectory(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // A temp folder the system cleans later; the read itself succeeded or already failed for a better reason.
        }
    }
}
