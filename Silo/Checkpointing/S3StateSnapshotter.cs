using System.Diagnostics;
using KinesisGrains.Kinesis.Leasing;
using KinesisGrains.RocksDb.Snapshots;
using KinesisGrains.RocksDb.Storage;
using KinesisGrains.Runtime.Partitions;
using KinesisGrains.Runtime.Storage;

namespace KinesisGrains.Silo.Checkpointing;

/// <summary>
/// Durability through S3: at every checkpoint, each partition's RocksDB is flushed, checkpointed (hard links), its
/// new SST files uploaded with a manifest, and only then the partition's lease in DynamoDB is pointed at the new
/// snapshot. Restoring at start is the same path backwards, verifying every file's checksum.
/// </summary>
public sealed partial class S3StateSnapshotter : IStateSnapshotter
{
    private const int Parallelism = 4;
    private const string ShardMetadataPrefix = "shard:";
    private readonly S3SnapshotStore _s3;
    private readonly PartitionLeaseTable _leases;
    private readonly PartitionedRocksDbStores _stores;
    private readonly string _owner;
    private readonly string _workDirectory;
    private readonly ILogger _logger;
    private readonly long[] _lastSnapshotId;
    private GrainRuntime? _runtime;

    public S3StateSnapshotter(S3SnapshotStore s3, PartitionLeaseTable leases, PartitionedRocksDbStores stores, string owner, string workDirectory, ILogger logger)
    {
        _s3 = s3;
        _leases = leases;
        _stores = stores;
        _owner = owner;
        _workDirectory = workDirectory;
        _logger = logger;
        _lastSnapshotId = new long[stores.PartitionCount];
    }

    public static string PartitionId(int partition) => $"p-{partition:D5}";

    /// <summary>The last snapshot's size and duration, for status.</summary>
    public SnapshotStatistics? LastSnapshot { get; private set; }

    /// <summary>The runtime whose partitions are flushed before each snapshot (set once it is built).</summary>
    public void Attach(GrainRuntime runtime) => _runtime = runtime;

    /// <summary>
    /// Before the stores open: takes every partition's lease and puts the snapshot its lease points at in place of
    /// the local folder (files already there with the right checksum are reused, not downloaded). When that snapshot
    /// is corrupt, the previous retained one is used, and the returned positions say where each shard must replay
    /// from for it (the checkpoints written after that older snapshot).
    /// </summary>
    /// <returns>For each partition restored from an older snapshot than its lease points at, that snapshot's positions.</returns>
    public async Task<IReadOnlyList<IReadOnlyList<SourcePosition>>> RestoreAsync(TimeSpan failoverTime, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_workDirectory);
        var rewinds = new List<IReadOnlyList<SourcePosition>>();
        var expiry = new LeaseExpiryObserver(failoverTime, TimeProvider.System);
        await Parallel.ForAsync(0, _stores.PartitionCount, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (partition, ct) =>
        {
            var lease = await AcquireAsync(partition, expiry, failoverTime, ct);
            var known = await _s3.ListSnapshotIdsAsync(PartitionId(partition), ct);
            _lastSnapshotId[partition] = Math.Max(lease.SnapshotId ?? 0, known.Count > 0 ? known[^1] : 0);
            var local = _stores.DirectoryOf(partition);
            if (lease.SnapshotId is not { } pointer)
            {
                // No durable state yet: the shards replay from their start, so begin from empty.
                DeleteDirectory(local);
                return;
            }

            var staging = local + ".restoring";
            foreach (var id in known.Where(id => id <= pointer).Reverse())
            {
                var manifest = await _s3.GetManifestAsync(PartitionId(partition), id, ct);
                if (manifest is null)
                {
                    continue;
                }

                try
                {
                    DeleteDirectory(staging);
                    var result = await _s3.RestoreAsync(manifest, staging, Directory.Exists(local) ? local : null, ct);
                    DeleteDirectory(local);
                    Directory.Move(staging, local);
                    LogRestored(_logger, partition, id, result.ToString());
                    if (id != pointer)
                    {
                        lock (rewinds)
                        {
                            rewinds.Add(manifest.Metadata
                                .Where(m => m.Key.StartsWith(ShardMetadataPrefix, StringComparison.Ordinal))
                                .Select(m => SourcePosition.Parse(m.Key[ShardMetadataPrefix.Length..], m.Value))
                                .ToList());
                        }
                    }

                    return;
                }
                catch (SnapshotCorruptException exception)
                {
                    LogCorrupt(_logger, partition, id, exception.Message);
                }
            }

            throw new InvalidOperationException(
                $"No usable snapshot of partition {partition} at or below snapshot {pointer} (the one its lease points at); see the errors above.");
        });
        return rewinds;
    }

    public async Task SnapshotAsync(IReadOnlyList<SourcePosition> positions, CancellationToken cancellationToken)
    {
        var metadata = positions.ToDictionary(p => ShardMetadataPrefix + p.ShardId, p => p.ToString(), StringComparer.Ordinal);
        var runtime = _runtime ?? throw new InvalidOperationException("No runtime attached.");
        var started = Stopwatch.GetTimestamp();
        long uploaded = 0, total = 0;

        // The barrier: every event applied before now is in the partitions' stores; the shard positions the
        // checkpointer captured before calling this are covered.
        await runtime.FlushAsync();
        await Parallel.ForAsync(0, _stores.PartitionCount, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (partition, ct) =>
        {
            var id = Interlocked.Increment(ref _lastSnapshotId[partition]);
            var checkpoint = Path.Combine(_workDirectory, $"{PartitionId(partition)}-{id}");
            DeleteDirectory(checkpoint);
            _stores[partition].CreateCheckpoint(checkpoint);
            try
            {
                var result = await _s3.UploadAsync(PartitionId(partition), checkpoint, id, metadata, ct);
                await _leases.CommitSnapshotAsync(partition, _owner, id, ct);
                Interlocked.Add(ref uploaded, result.BytesUploaded);
                Interlocked.Add(ref total, result.Manifest.TotalBytes);
            }
            finally
            {
                DeleteDirectory(checkpoint);
            }

            await _s3.PruneAsync(PartitionId(partition), ct);
        });
        var elapsed = Stopwatch.GetElapsedTime(started);
        LastSnapshot = new SnapshotStatistics(DateTimeOffset.UtcNow, elapsed, total, uploaded);
        LogSnapshot(_logger, _stores.PartitionCount, total, uploaded, elapsed.TotalMilliseconds);
    }

    private async Task<PartitionLease> AcquireAsync(int partition, LeaseExpiryObserver expiry, TimeSpan failoverTime, CancellationToken cancellationToken)
    {
        PartitionLease? abandoned = null;
        var logged = false;
        while (true)
        {
            if (await _leases.TryTakeAsync(partition, _owner, abandoned, cancellationToken) is { } taken)
            {
                return taken;
            }

            var current = await _leases.GetAsync(partition, cancellationToken);
            abandoned = current is not null && expiry.HasExpired(PartitionLeaseTable.LeaseKeyOf(partition), current.LeaseCounter) ? current : null;
            if (abandoned is null)
            {
                if (!logged)
                {
                    LogWaitingForPartition(_logger, partition, current?.Owner ?? "nobody");
                    logged = true;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, failoverTime.TotalMilliseconds / 3)), cancellationToken);
            }
        }
    }

    private static void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Partition} restored from snapshot {SnapshotId}: {Result}")]
    private static partial void LogRestored(ILogger logger, int partition, long snapshotId, string result);

    [LoggerMessage(Level = LogLevel.Error, Message = "Snapshot {SnapshotId} of partition {Partition} is corrupt: {Reason}; trying the previous retained snapshot")]
    private static partial void LogCorrupt(ILogger logger, int partition, long snapshotId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Partition} is held by {Owner}; waiting for it to be released or to expire")]
    private static partial void LogWaitingForPartition(ILogger logger, int partition, string owner);

    [LoggerMessage(Level = LogLevel.Information, Message = "Snapshot of {Partitions} partitions: {TotalBytes} bytes, {UploadedBytes} uploaded, in {Milliseconds:F0} ms")]
    private static partial void LogSnapshot(ILogger logger, int partitions, long totalBytes, long uploadedBytes, double milliseconds);
}

/// <summary>What the last snapshot cost.</summary>
public sealed record SnapshotStatistics(DateTimeOffset At, TimeSpan Duration, long TotalBytes, long UploadedBytes);
