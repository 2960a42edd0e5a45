using System.Diagnostics;
using System.Globalization;
using System.Text;
using KinesisGrains.Abstractions.Partitions;
using KinesisGrains.KeyedState.ExactlyOnce;
using KinesisGrains.KeyedState.Rescaling;
using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.KeyedState.Storage;
using static KinesisGrains.Benchmarks.BenchArguments;

namespace KinesisGrains.Benchmarks.Rescale;

/// <summary>
/// The rescale's path on real snapshots in S3 (s3rver): K keyed states (JSON values) in P partitions' snapshots are cut
/// into P' partitions (<see cref="SnapshotRescale"/>: download, cut, checkpoint) and the new snapshots uploaded, as
/// <c>kgrains rescale</c> does but for its DynamoDB pointer writes (a few per partition). The yardstick, measured in the
/// same run: restoring the same P snapshots from S3 (what the partitions do when they open). Up (16 → 48), then down
/// from those 48 to 8; seconds per GB of snapshot for both.
/// </summary>
internal static class RescaleBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var keys = Option(args, "--keys", 2_000_000);
        var valueBytes = Option(args, "--value-bytes", 100);
        var from = Option(args, "--from", 16);
        var up = Option(args, "--to", 48);
        var down = Option(args, "--down", 8);
        var root = Path.Combine(Path.GetTempPath(), "kgrains-rescale-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            using var emulators = LocalEmulators.Start("s3rver");
            var options = new S3SnapshotOptions
            {
                Bucket = "kgrains-rescale-bench",
                Prefix = $"bench-{Guid.NewGuid():N}",
                ServiceUrl = emulators.S3,
                AccessKeyId = "S3RVER",
                SecretAccessKey = "S3RVER",
            };
            using var client = S3ClientFactory.Create(options);
            await LocalEmulators.EnsureBucketAsync(client, options.Bucket);

            using var store = new S3SnapshotStore(options, client);
            Console.WriteLine($"s3rver at {emulators.S3}; {keys:N0} keys of {valueBytes} B in {from} partitions, then {from} -> {up} -> {down}");
            var sources = await WriteSourcesAsync(store, Path.Combine(root, "sources"), keys, valueBytes, from);
            var bytes = sources.Sum(m => m.Files.Sum(f => f.Size));
            Console.WriteLine($"{from} snapshots uploaded: {bytes / (1024.0 * 1024):N0} MiB");

            var on = $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores";
            var rows = new List<ResultRow>();
            var upResult = await MeasureAsync(store, sources, up, Path.Combine(root, "up"));
            rows.Add(Row($"rescale {from} → {up} partitions from S3 snapshots ({keys / 1_000_000.0:0.#}M keys, {valueBytes} B values): seconds per GB (vs restoring the same snapshots from S3)", upResult, keys, on));
            var downResult = await MeasureAsync(store, upResult.Targets, down, Path.Combine(root, "down"));
            rows.Add(Row($"rescale {up} → {down} partitions from S3 snapshots ({keys / 1_000_000.0:0.#}M keys, {valueBytes} B values): seconds per GB (vs restoring the same snapshots from S3)", downResult, keys, on));
            var path = ResultsTable.Upsert(rows, ("Rescale rows", $"dotnet run -c Release --project bench/Benchmarks -- rescale --keys {keys} --value-bytes {valueBytes} --from {from} --to {up} --down {down} (starts s3rver with tools/emulators/emulators.sh)"));
            Console.WriteLine($"Updated {path}");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static ResultRow Row(string measure, Measured result, int keys, string on)
    {
        var gb = result.Bytes / 1e9;
        return new ResultRow(
            measure,
            $"{result.RescaleSeconds / gb:F1} s/GB ({result.RescaleSeconds:F1} s for {result.Bytes / (1024.0 * 1024):N0} MiB: download and cut {result.CutSeconds:F1} s, upload {result.RescaleSeconds - result.CutSeconds:F1} s; {result.KeysCopied:N0} of {keys:N0} keys copied one by one, the rest by key-group range)",
            $"{result.RestoreSeconds / gb:F1} s/GB ({result.RestoreSeconds:F1} s)",
            $"{result.RescaleSeconds / result.RestoreSeconds:0.00}",
            on);
    }

    /// <summary>Restores the snapshots (the yardstick), then cuts them into <paramref name="partitions"/> and uploads the result (ours).</summary>
    private static async Task<Measured> MeasureAsync(S3SnapshotStore store, IReadOnlyList<SnapshotManifest> sources, int partitions, string work)
    {
        // Both sides a few partitions at a time, as silos restore their partitions and as kgrains uploads the new ones.
        var restore = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, sources.Count), s_fourAtATime, async (p, token) =>
            await store.RestoreAsync(sources[p], Path.Combine(work, "restored", $"p-{p:D5}"), cancellationToken: token));

        restore.Stop();
        Directory.Delete(Path.Combine(work, "restored"), recursive: true);

        var rescale = Stopwatch.StartNew();
        var cut = await SnapshotRescale.CutAsync(store, "bench", sources, partitions, Path.Combine(work, "cut"), CancellationToken.None);
        var cutSeconds = rescale.Elapsed.TotalSeconds;
        var uploaded = new SnapshotManifest[partitions];
        await Parallel.ForEachAsync(Enumerable.Range(0, partitions), s_fourAtATime, async (p, token) =>
            uploaded[p] = (await store.UploadAsync($"bench.p-{p:D5}", cut.Checkpoints[p], NextId(), cut.Metadata[p], token)).Manifest);
        var targets = uploaded.ToList();

        rescale.Stop();
        Directory.Delete(Path.Combine(work, "cut"), recursive: true);
        Console.WriteLine($"{sources.Count} -> {partitions}: restore {restore.Elapsed.TotalSeconds:F1} s, rescale {rescale.Elapsed.TotalSeconds:F1} s (download and cut {cutSeconds:F1} s)");
        return new Measured(sources.Sum(m => m.Files.Sum(f => f.Size)), cut.Result.KeysCopied, restore.Elapsed.TotalSeconds, cutSeconds, rescale.Elapsed.TotalSeconds, targets);
    }

    /// <summary>Each partition's keys in its own RocksDB, with a ledger, checkpointed and uploaded as snapshot ids of their own.</summary>
    private static async Task<List<SnapshotManifest>> WriteSourcesAsync(S3SnapshotStore store, string directory, int keys, int valueBytes, int partitions)
    {
        var map = new PartitionMap(partitions);
        Directory.CreateDirectory(directory);
        var stores = Enumerable.Range(0, partitions)
            .Select(p => RocksDbKeyValueStore.Open(Path.Combine(directory, $"p-{p:D5}"), new RocksDbOptions { DisableWal = true }))
            .ToList();
        var batches = stores.Select(s => s.CreateBatch()).ToList();
        // Padding of random letters: state that compresses like real JSON values do, not to nothing.
        var random = new Random(7);
        var padding = new char[Math.Max(0, valueBytes - 30)];
        for (var i = 0; i < keys; i++)
        {
            var key = $"user-{i:D9}";
            var p = map.GetPartition(key);
            for (var c = 0; c < padding.Length; c++)
            {
                padding[c] = (char)('a' + random.Next(26));
            }

            batches[p].Put(StateKeys.State(key), Encoding.UTF8.GetBytes($"{{\"count\":{i % 1000},\"pad\":\"{new string(padding)}\"}}"));
            if (batches[p].Count >= 10_000)
            {
                stores[p].Write(batches[p]);
                batches[p].Clear();
            }
        }

        var manifests = new List<SnapshotManifest>();
        for (var p = 0; p < partitions; p++)
        {
            var ledger = new PartitionLedger([KeyValuePair.Create("shardId-000000000000", new ShardCoverage(new("1000", 0), new("1000", 0)))], epoch: 1);
            PartitionLedgerStore.PutAll(batches[p], ledger);
            stores[p].Write(batches[p]);
            batches[p].Dispose();

            // As a partition that has run a while holds it: flushed and compacted into the last level's files.
            stores[p].Database.Flush();
            stores[p].Database.CompactRange([StateKeys.MetadataKind], [byte.MaxValue], rewriteLastLevel: true);
            var checkpoint = Path.Combine(directory, $"checkpoint-{p:D5}");
            stores[p].CreateCheckpoint(checkpoint);
            stores[p].Dispose();
            manifests.Add((await store.UploadAsync($"bench.p-{p:D5}", checkpoint, NextId())).Manifest);
        }

        return manifests;
    }

    private static long s_ids;

    private static readonly ParallelOptions s_fourAtATime = new() { MaxDegreeOfParallelism = 4 };

    private static long NextId() => Interlocked.Increment(ref s_ids);

    /// <param name="CutSeconds">Download and cut, without the upload of the new snapshots.</param>
    private sealed record Measured(long Bytes, long KeysCopied, double RestoreSeconds, double CutSeconds, double RescaleSeconds, IReadOnlyList<SnapshotManifest> Targets);
}
