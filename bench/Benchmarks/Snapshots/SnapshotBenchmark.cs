using System.Diagnostics;
using System.Globalization;
using KinesisGrains.Benchmarks.State;
using KinesisGrains.Benchmarks.State.Synthetic;
using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.KeyedState.Storage;

namespace KinesisGrains.Benchmarks.Snapshots;

/// <summary>
/// Snapshots of real partition state to S3 (s3rver): K keyed counters written once through the Orleans path (synthetic
/// receivers → counter partition grains → one RocksDB per partition, as <see cref="StateHotPathBenchmark"/> runs it),
/// then, with the silo stopped, a full snapshot of every partition, an incremental one after 1% of the keys changed
/// (through a silo again), and a restore of the latter into an empty folder. Yardsticks measured in the same run: a plain copy of the same checkpoint
/// files to another local folder (time), the full snapshot's bytes (incremental bytes), live SST bytes (peak RSS).
/// </summary>
internal static class SnapshotBenchmark
{
    private const int Parallelism = 4;

    public static async Task<int> RunAsync(string[] args)
    {
        var keysList = Text(args, "--keys-list", "1000000,10000000")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(k => long.Parse(k, CultureInfo.InvariantCulture))
            .ToArray();
        var partitions = (int)Option(args, "--partitions", 16);
        var maxKeysInMemory = (int)Option(args, "--max-keys-in-memory", 200_000);
        var settings = new OrleansRunSettings(partitions, Queues: 4, RecordsPerRead: 4_000, SyntheticAdapterFactory.KinesisCacheSize(partitions), maxKeysInMemory);

        var root = Path.Combine(Path.GetTempPath(), "kgrains-snapshot-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            using var emulators = LocalEmulators.Start("s3rver");
            var endpoint = emulators.S3;
            Console.WriteLine($"s3rver at {endpoint}; keys {string.Join(", ", keysList.Select(k => k.ToString("N0", CultureInfo.InvariantCulture)))}, {partitions} partitions");
            var on = $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, shared and noisy";
            var rows = new List<ResultRow>();
            Result? largest = null;
            foreach (var keys in keysList)
            {
                var result = await RunOneAsync(Path.Combine(root, $"k{keys}"), endpoint, keys, settings);
                var label = Label(keys);
                rows.Add(new ResultRow(
                    $"full snapshot to S3 (s3rver), {label} keys: seconds (vs local copy of the same files)",
                    $"{result.FullSeconds:F2} s ({Mib(result.FullBytes)})",
                    $"{result.FullCopySeconds:F2} s",
                    $"{result.FullSeconds / result.FullCopySeconds:0.00}",
                    on));
                rows.Add(new ResultRow(
                    $"incremental snapshot after 1% of {label} keys changed: bytes uploaded (vs full snapshot bytes)",
                    $"{result.IncrementalBytes:N0} B ({Mib(result.IncrementalBytes)}, {result.IncrementalSeconds:F2} s)",
                    $"{result.FullBytes:N0} B",
                    $"{(double)result.IncrementalBytes / result.FullBytes:0.000} (target ≤ 0.05)",
                    on));
                rows.Add(new ResultRow(
                    $"restore from S3, {label} keys: seconds (vs local copy)",
                    $"{result.RestoreSeconds:F2} s ({Mib(result.RestoreBytes)})",
                    $"{result.RestoreCopySeconds:F2} s",
                    $"{result.RestoreSeconds / result.RestoreCopySeconds:0.00}",
                    on));
                if (largest is null || keys > largest.Keys)
                {
                    largest = result;
                }
            }

            if (largest is not null)
            {
                rows.Add(new ResultRow(
                    $"peak RSS holding {Label(largest.Keys)} keys in {partitions} partitions: MiB (vs bytes of state on disk, live SST files)",
                    $"{largest.PeakRssBytes / (1024.0 * 1024):N0} MiB (VmHWM of the process with the Orleans silo; PeakWorkingSet64 {largest.PeakWorkingSetBytes / (1024.0 * 1024):N0} MiB; at most {maxKeysInMemory:N0} keys in memory per partition grain)",
                    $"{largest.LiveSstBytes / (1024.0 * 1024):N0} MiB",
                    $"{(double)largest.PeakRssBytes / largest.LiveSstBytes:0.0}",
                    on));
            }

            var path = ResultsTable.Upsert(rows, ("Snapshot rows", $"dotnet run -c Release --project bench/Benchmarks -- snapshots --keys-list {string.Join(',', keysList)} (starts s3rver with tools/emulators/emulators.sh)"));
            Console.WriteLine($"Updated {path}");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private sealed record Result(
        long Keys,
        double FullSeconds,
        long FullBytes,
        double FullCopySeconds,
        long IncrementalBytes,
        double IncrementalSeconds,
        double RestoreSeconds,
        long RestoreBytes,
        double RestoreCopySeconds,
        long PeakRssBytes,
        long PeakWorkingSetBytes,
        long LiveSstBytes);

    private static async Task<Result> RunOneAsync(string directory, Uri endpoint, long keys, OrleansRunSettings settings)
    {
        var partitions = settings.Partitions;
        var options = new PartitionStoreOptions();
        var stateDirectory = Path.Combine(directory, "state");

        // Where the silo's counter partitions keep their RocksDB folders (p-00000 ...), as PartitionedRocksDbStores names them.
        var storesDirectory = Path.Combine(stateDirectory, "counter");

        var s3Options = new S3SnapshotOptions
        {
            Bucket = "kgrains-snapshot-bench",
            Prefix = $"bench-{keys}-{Guid.NewGuid():N}",
            ServiceUrl = endpoint,
            AccessKeyId = "S3RVER",
            SecretAccessKey = "S3RVER",
        };
        using var client = S3ClientFactory.Create(s3Options);
        await LocalEmulators.EnsureBucketAsync(client, s3Options.Bucket);

        using var store = new S3SnapshotStore(s3Options, client);
        string PartitionId(int p) => $"p-{p:D5}";

        // Load: every key once, in order, through a silo with no snapshots (so the WAL on: the stores are reopened
        // after it stops); the peak memory is read while its partition grains hold the keys.
        (long VmHwm, long PeakWorkingSet) peak = default;
        OrleansRunResult load;
        await using (var silo = await BenchSilo.StartAsync(settings, stateDirectory, null))
        {
            load = await OrleansRun.RunAsync(silo, Consumer.Counters, keys, KeyOf(step: 1), _ =>
            {
                peak = PeakMemory();
                return Task.CompletedTask;
            });
        }

        var (peakRss, peakWorkingSet) = peak;
        Console.WriteLine($"[{Label(keys)}] loaded {keys:N0} keys through Orleans in {load.Seconds:F1} s ({load.EventsPerSecond:N0} keys/s)");

        var stores = new PartitionedRocksDbStores(storesDirectory, partitions, options, disableWal: true);
        FlushMemtables(stores, partitions);
        var liveSst = Enumerable.Range(0, partitions).Sum(p => (long)(Db(stores, p).GetIntProperty("rocksdb.live-sst-files-size") ?? 0));
        Console.WriteLine($"[{Label(keys)}] VmHWM {peakRss / (1024.0 * 1024):N0} MiB, PeakWorkingSet64 {peakWorkingSet / (1024.0 * 1024):N0} MiB, live SST {liveSst / (1024.0 * 1024):N0} MiB");

        // Snapshot 1: full.
        var (full, fullSeconds) = await SnapshotAsync(stores, store, partitions, Path.Combine(directory, "checkpoint-1"), 1, PartitionId);
        var fullBytes = full.Sum(r => r.Manifest.TotalBytes);
        var fullCopySeconds = CopyTree(Path.Combine(directory, "checkpoint-1"), Path.Combine(directory, "copy-1"));
        Console.WriteLine($"[{Label(keys)}] full snapshot: {fullBytes:N0} B manifests, {full.Sum(r => r.BytesUploaded):N0} B uploaded in {fullSeconds:F2} s; local copy {fullCopySeconds:F2} s");

        // Snapshot 2: after 1% of the keys changed, through a silo again.
        stores.Dispose();
        await using (var silo = await BenchSilo.StartAsync(settings, stateDirectory, null))
        {
            await OrleansRun.RunAsync(silo, Consumer.Counters, keys / 100, KeyOf(step: 100));
        }

        stores = new PartitionedRocksDbStores(storesDirectory, partitions, options, disableWal: true);
        FlushMemtables(stores, partitions);
        var (incremental, incrementalSeconds) = await SnapshotAsync(stores, store, partitions, Path.Combine(directory, "checkpoint-2"), 2, PartitionId);
        var incrementalBytes = incremental.Sum(r => r.BytesUploaded);
        Console.WriteLine($"[{Label(keys)}] incremental snapshot: {incrementalBytes:N0} B uploaded ({incremental.Sum(r => r.FilesUploaded)} files, {incremental.Sum(r => r.FilesReused)} reused) in {incrementalSeconds:F2} s, ratio {(double)incrementalBytes / fullBytes:0.000}");

        // Restore snapshot 2 of every partition into an empty folder, no local cache.
        var restoreRoot = Path.Combine(directory, "restore");
        var restoreClock = Stopwatch.StartNew();
        var restoredBytes = 0L;
        await Parallel.ForEachAsync(incremental, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (upload, ct) =>
        {
            var restored = await store.RestoreAsync(upload.Manifest, Path.Combine(restoreRoot, upload.Manifest.PartitionId), null, ct);
            Interlocked.Add(ref restoredBytes, restored.BytesDownloaded);
        });
        var restoreSeconds = restoreClock.Elapsed.TotalSeconds;
        var restoreCopySeconds = CopyTree(Path.Combine(directory, "checkpoint-2"), Path.Combine(directory, "copy-2"));
        Console.WriteLine($"[{Label(keys)}] restore: {restoredBytes:N0} B in {restoreSeconds:F2} s; local copy {restoreCopySeconds:F2} s");

        // The restored DB opens and holds about K / partitions keys.
        using (var check = RocksDbKeyValueStore.Open(Path.Combine(restoreRoot, PartitionId(0)), options.ToRocksDbOptions(disableWal: true)))
        {
            Console.WriteLine($"[{Label(keys)}] restored {PartitionId(0)} opens: ~{check.Database.GetIntProperty("rocksdb.estimate-num-keys"):N0} keys");
        }

        stores.Dispose();
        return new Result(keys, fullSeconds, fullBytes, fullCopySeconds, incrementalBytes, incrementalSeconds,
            restoreSeconds, restoredBytes, restoreCopySeconds, peakRss, peakWorkingSet, liveSst);
    }

    /// <summary>Event i is for key-(i·step), each its own key, in order.</summary>
    private static Func<long, string> KeyOf(int step) => i => "key-" + (i * step).ToString("D8", CultureInfo.InvariantCulture);

    private static async Task<(IReadOnlyList<SnapshotUploadResult> Results, double Seconds)> SnapshotAsync(
        PartitionedRocksDbStores stores, S3SnapshotStore store, int partitions, string checkpointRoot, long snapshotId, Func<int, string> partitionId)
    {
        Directory.CreateDirectory(checkpointRoot);
        var results = new SnapshotUploadResult[partitions];
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, partitions), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (p, ct) =>
        {
            var dir = Path.Combine(checkpointRoot, partitionId(p));
            Db(stores, p).CreateCheckpoint(dir);
            results[p] = await store.UploadAsync(partitionId(p), dir, snapshotId, null, ct);
        });
        return (results, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Memtables to SST before timing, so the snapshot and its yardstick start from the same files.</summary>
    private static void FlushMemtables(PartitionedRocksDbStores stores, int partitions)
    {
        for (var p = 0; p < partitions; p++)
        {
            Db(stores, p).Flush();
        }
    }

    private static RocksDatabase Db(PartitionedRocksDbStores stores, int partition) => ((RocksDbKeyValueStore)stores[partition]).Database;

    /// <summary>The yardstick: File.Copy of every file, like <c>cp -r</c>; seconds.</summary>
    private static double CopyTree(string source, string target)
    {
        var clock = Stopwatch.StartNew();
        foreach (var dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories).Prepend(source))
        {
            var to = Path.Combine(target, Path.GetRelativePath(source, dir));
            Directory.CreateDirectory(to);
            foreach (var file in Directory.EnumerateFiles(dir))
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
            }
        }

        return clock.Elapsed.TotalSeconds;
    }

    private static (long VmHwm, long PeakWorkingSet) PeakMemory()
    {
        long hwm = 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                hwm = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        using var process = Process.GetCurrentProcess();
        return (hwm, process.PeakWorkingSet64);
    }

    private static string Label(long keys) => keys >= 1_000_000 ? $"{keys / 1_000_000.0:0.#}M" : $"{keys / 1_000.0:0.#}k";

    private static string Mib(long bytes) => $"{bytes / (1024.0 * 1024):N1} MiB";

    private static long Option(string[] args, string name, long fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? long.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string Text(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }
}
