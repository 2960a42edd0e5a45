using System.Diagnostics;
using System.Globalization;
using Amazon.S3;
using KinesisGrains.Benchmarks.State;
using KinesisGrains.RocksDb;
using KinesisGrains.RocksDb.Snapshots;
using KinesisGrains.RocksDb.Storage;
using KinesisGrains.Runtime.DeadLetters;
using KinesisGrains.Runtime.Grains;
using KinesisGrains.Runtime.Partitions;
using KinesisGrains.Runtime.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace KinesisGrains.Benchmarks.Snapshots;

/// <summary>
/// Snapshots of real grain state to S3 (s3rver): K counter grains written once through the partition hot path into one
/// RocksDB per partition, then a full snapshot of every partition, an incremental one after 1% of the keys changed, and
/// a restore of the latter into an empty folder. Yardsticks measured in the same run: a plain copy of the same checkpoint
/// files to another local folder (time), the full snapshot's bytes (incremental bytes), live SST bytes (peak RSS).
/// </summary>
internal static class SnapshotBenchmark
{
    private const int Parallelism = 4;
    private const string Shard = "shardId-000000000000";

    public static async Task<int> RunAsync(string[] args)
    {
        var keysList = Text(args, "--keys-list", "1000000,10000000")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(k => long.Parse(k, CultureInfo.InvariantCulture))
            .ToArray();
        var partitions = (int)Option(args, "--partitions", 16);
        var batch = (int)Option(args, "--batch", 50_000);
        var maxActivations = (int)Option(args, "--max-activations", 200_000);
        var maxDirty = (int)Option(args, "--max-dirty", 50_000);

        var root = Path.Combine(Path.GetTempPath(), "kgrains-snapshot-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var emulatorDir = Path.Combine(root, "emulators");
        var emulators = FindEmulatorsScript();
        try
        {
            var endpoint = StartS3rver(emulators, emulatorDir);
            Console.WriteLine($"s3rver at {endpoint}; keys {string.Join(", ", keysList.Select(k => k.ToString("N0", CultureInfo.InvariantCulture)))}, {partitions} partitions, batches of {batch:N0}");
            var on = $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores";
            var rows = new List<ResultRow>();
            Result? largest = null;
            foreach (var keys in keysList)
            {
                var result = await RunOneAsync(Path.Combine(root, $"k{keys}"), endpoint, keys, partitions, batch, maxActivations, maxDirty);
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
                    $"{largest.PeakRssBytes / (1024.0 * 1024):N0} MiB (VmHWM; PeakWorkingSet64 {largest.PeakWorkingSetBytes / (1024.0 * 1024):N0} MiB; at most {maxActivations:N0} activations/partition)",
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
            RunScript(emulators, $"stop \"{emulatorDir}\"");
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

    private static async Task<Result> RunOneAsync(string directory, Uri endpoint, long keys, int partitions, int batch, int maxActivations, int maxDirty)
    {
        var options = new PartitionStoreOptions();
        using var stores = new PartitionedRocksDbStores(Path.Combine(directory, "db"), partitions, options, disableWal: true);
        var runtimeOptions = new GrainRuntimeOptions
        {
            PartitionCount = partitions,
            MaxActivationsPerPartition = maxActivations,
            MaxDirtyGrainsPerPartition = maxDirty,
        };
        await using var runtime = new GrainRuntime(
            p => stores[p],
            new GrainTypeRegistry([typeof(CounterGrain)]),
            runtimeOptions,
            new LocalDeadLetterQueue(Path.Combine(directory, "dead-letters")),
            new ServiceCollection().BuildServiceProvider(),
            NullLoggerFactory.Instance);

        var s3Options = new S3SnapshotOptions
        {
            Bucket = "kgrains-snapshot-bench",
            Prefix = $"bench-{keys}-{Guid.NewGuid():N}",
            ServiceUrl = endpoint,
            AccessKeyId = "S3RVER",
            SecretAccessKey = "S3RVER",
        };
        using var client = S3ClientFactory.Create(s3Options);
        try
        {
            await client.PutBucketAsync(s3Options.Bucket);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }

        using var store = new S3SnapshotStore(s3Options, client);
        string PartitionId(int p) => $"p-{p:D5}";

        // Load: every key once, in order.
        var sequence = 0L;
        var load = Stopwatch.StartNew();
        sequence = await ApplyAsync(runtime, keys, step: 1, batch, sequence);
        await runtime.FlushAsync();
        Console.WriteLine($"[{Label(keys)}] loaded {keys:N0} keys in {load.Elapsed.TotalSeconds:F1} s");
        FlushMemtables(stores, partitions);
        var (peakRss, peakWorkingSet) = PeakMemory();
        var liveSst = Enumerable.Range(0, partitions).Sum(p => (long)(Db(stores, p).GetIntProperty("rocksdb.live-sst-files-size") ?? 0));
        Console.WriteLine($"[{Label(keys)}] VmHWM {peakRss / (1024.0 * 1024):N0} MiB, PeakWorkingSet64 {peakWorkingSet / (1024.0 * 1024):N0} MiB, live SST {liveSst / (1024.0 * 1024):N0} MiB");

        // Snapshot 1: full.
        var (full, fullSeconds) = await SnapshotAsync(stores, store, partitions, Path.Combine(directory, "checkpoint-1"), 1, PartitionId);
        var fullBytes = full.Sum(r => r.Manifest.TotalBytes);
        var fullCopySeconds = CopyTree(Path.Combine(directory, "checkpoint-1"), Path.Combine(directory, "copy-1"));
        Console.WriteLine($"[{Label(keys)}] full snapshot: {fullBytes:N0} B manifests, {full.Sum(r => r.BytesUploaded):N0} B uploaded in {fullSeconds:F2} s; local copy {fullCopySeconds:F2} s");

        // Snapshot 2: after 1% of the keys changed.
        sequence = await ApplyAsync(runtime, keys, step: 100, batch, sequence);
        await runtime.FlushAsync();
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

        return new Result(keys, fullSeconds, fullBytes, fullCopySeconds, incrementalBytes, incrementalSeconds,
            restoreSeconds, restoredBytes, restoreCopySeconds, peakRss, peakWorkingSet, liveSst);
    }

    /// <summary>Events for key-0, key-step, key-2·step … in order, each its own key, in batches.</summary>
    private static async Task<long> ApplyAsync(GrainRuntime runtime, long keys, int step, int batch, long sequence)
    {
        for (long next = 0; next < keys;)
        {
            var slice = new List<StreamEvent<long>>(batch);
            for (; next < keys && slice.Count < batch; next += step)
            {
                var key = "key-" + next.ToString("D8", CultureInfo.InvariantCulture);
                var seq = (++sequence).ToString(CultureInfo.InvariantCulture);
                slice.Add(new StreamEvent<long>(key, 1, new StreamRecord(ReadOnlyMemory<byte>.Empty, key, seq, 0, null, default, Shard)));
            }

            await runtime.ApplyAsync(typeof(CounterGrain), Shard, slice);
        }

        return sequence;
    }

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

    private static Uri StartS3rver(string script, string stateDir)
    {
        RunScript(script, $"start \"{stateDir}\" s3rver");
        var line = File.ReadLines(Path.Combine(stateDir, "endpoints.env")).First(l => l.StartsWith("S3_ENDPOINT=", StringComparison.Ordinal));
        return new Uri(line["S3_ENDPOINT=".Length..].Trim());
    }

    private static void RunScript(string script, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", $"\"{script}\" {arguments}") { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not start bash");
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} {arguments} exited with {process.ExitCode}");
        }
    }

    private static string FindEmulatorsScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var script = Path.Combine(dir.FullName, "tools", "emulators", "emulators.sh");
            if (File.Exists(script))
            {
                return script;
            }
        }

        throw new FileNotFoundException("tools/emulators/emulators.sh not found above " + AppContext.BaseDirectory);
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
