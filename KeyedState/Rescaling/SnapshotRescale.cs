using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.KeyedState.Storage;

namespace KinesisGrains.KeyedState.Rescaling;

/// <summary>
/// One state's rescale from S3 snapshots: each old partition's snapshot is downloaded and opened, the stores are cut
/// (<see cref="PartitionRescaler"/>), and each new partition's store becomes a RocksDB checkpoint with the manifest
/// metadata a partition grain would write (coverage, epoch, time-to-live), ready to upload. Uploading and committing
/// the new snapshots is the caller's (the tool fences and reserves ids; the benchmark times this same path).
/// </summary>
internal static class SnapshotRescale
{
    /// <summary>Snapshots downloaded (here) and uploaded (by the caller) at once.</summary>
    public const int ConcurrentTransfers = 4;

    /// <param name="sources">Old partition p's snapshot manifest at index p.</param>
    /// <param name="work">An empty folder of the caller's; the checkpoints are left in it.</param>
    /// <param name="forgetShards">
    /// Shards the new partitions forget (a reset that keeps the state: their records are read again and applied again):
    /// their marks, coverage and floors go, so the partitions take the shards' batches from their new origin.
    /// </param>
    /// <exception cref="RescaleRefusedException">The state cannot be rescaled as it is; nothing was written anywhere but <paramref name="work"/>.</exception>
    public static async Task<SnapshotCut> CutAsync(
        S3SnapshotStore snapshots, string stateName, IReadOnlyList<SnapshotManifest> sources, int partitionCount, string work, CancellationToken cancellationToken,
        IReadOnlySet<string>? forgetShards = null)
    {
        var opened = new IKeyValueStore?[sources.Count];
        var targetStores = new IKeyValueStore?[partitionCount];
        try
        {
            // A few at a time, as silos restore their partitions.
            await Parallel.ForEachAsync(
                Enumerable.Range(0, sources.Count),
                new ParallelOptions { MaxDegreeOfParallelism = ConcurrentTransfers, CancellationToken = cancellationToken },
                async (partition, token) =>
                {
                    var directory = Path.Combine(work, "old", $"p-{partition:D5}");
                    await snapshots.RestoreAsync(sources[partition], directory, cancellationToken: token);
                    var source = opened[partition] = RocksDbKeyValueStore.Open(directory, new RocksDbOptions { CreateIfMissing = false, DisableWal = true, MaxBackgroundJobs = 1 });
                    KeyGroupUpgrade.Upgrade(source);
                });
            var sourceStores = opened.Select(s => s!).ToList();

            Directory.CreateDirectory(Path.Combine(work, "new"));
            Directory.CreateDirectory(Path.Combine(work, "checkpoints"));
            var mergesParts = sources.All(m => m.Metadata.GetValueOrDefault(SnapshotMetadata.MergesParts) == "true");
            var runs = Path.Combine(work, "runs");
            Directory.CreateDirectory(runs);
            var result = PartitionRescaler.Rescale(stateName, sourceStores, partitionCount, (partition, copyOf) =>
            {
                var directory = Path.Combine(work, "new", $"p-{partition:D5}");
                copyOf?.CreateCheckpoint(directory);
                var target = RocksDbKeyValueStore.Open(directory, new RocksDbOptions { DisableWal = true, MaxBackgroundJobs = 1 });
                targetStores[partition] = target;
                return target;
            }, mergesParts, runs);
            var ttl = sources.Select(m => m.Metadata.GetValueOrDefault(SnapshotMetadata.TimeToLive)).FirstOrDefault(t => t is not null);
            var checkpoints = new string[partitionCount];
            var metadata = new IReadOnlyDictionary<string, string>[partitionCount];
            for (var partition = 0; partition < partitionCount; partition++)
            {
                if (forgetShards is { Count: > 0 })
                {
                    PartitionLedgerStore.Forget(targetStores[partition]!, forgetShards);
                    result.Ledgers[partition].Forget(forgetShards);
                }

                checkpoints[partition] = Path.Combine(work, "checkpoints", $"p-{partition:D5}");
                targetStores[partition]!.CreateCheckpoint(checkpoints[partition]);
                metadata[partition] = SnapshotMetadata.Of(result.Ledgers[partition], mergesParts, ttl);
            }

            return new SnapshotCut(result, checkpoints, metadata, sources.Sum(m => m.Files.Sum(f => f.Size)));
        }
        finally
        {
            foreach (var store in opened.Concat(targetStores))
            {
                store?.Dispose();
            }
        }
    }
}

/// <summary>A state cut into new partitions: per new partition its checkpoint folder and manifest metadata.</summary>
/// <param name="SourceBytes">The old partitions' snapshots' size.</param>
internal sealed record SnapshotCut(RescaleResult Result, IReadOnlyList<string> Checkpoints, IReadOnlyList<IReadOnlyDictionary<string, string>> Metadata, long SourceBytes);
