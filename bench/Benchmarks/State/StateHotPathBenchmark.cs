using System.Diagnostics;
using System.Globalization;
using KinesisGrains.RocksDb;
using KinesisGrains.RocksDb.Storage;
using KinesisGrains.Runtime.DeadLetters;
using KinesisGrains.Runtime.Grains;
using KinesisGrains.Runtime.Partitions;
using KinesisGrains.Runtime.Storage;
using KinesisGrains.Runtime.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace KinesisGrains.Benchmarks.State;

/// <summary>
/// Keyed counter updates through the partition hot path (decoded events → partitions → grains → write-behind
/// batches into RocksDB with high-water marks, flushed at every simulated checkpoint), against RocksDB doing the bare
/// work from C (State/merge_loop.c on the same library: random merges and puts over the same key count, batched, WAL
/// off), in the same run; and against db_bench's mergerandom where db_bench is installed.
/// </summary>
internal static class StateHotPathBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var keys = Option(args, "--keys", 1_000_000);
        var events = Option(args, "--events", 10_000_000);
        var partitions = (int)Option(args, "--partitions", 16);
        var batch = (int)Option(args, "--batch", 10_000);
        var checkpointEvery = Option(args, "--checkpoint-every", 2_000_000);
        var root = Path.Combine(Path.GetTempPath(), "kgrains-state-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            // Compiled first, so a missing gcc fails the run before minutes of measuring.
            var mergeLoop = MergeLoop.Compile(root);

            Console.WriteLine($"keyed counters: {keys:N0} keys, {events:N0} events, {partitions} partitions, batches of {batch:N0}, flush every {checkpointEvery:N0}");
            var perPartition = await RunOursAsync(Path.Combine(root, "per-partition"), perPartitionDb: true, keys, events, partitions, batch, checkpointEvery);
            var shared = await RunOursAsync(Path.Combine(root, "shared"), perPartitionDb: false, keys, events, partitions, batch, checkpointEvery);

            var library = MergeLoop.Library();
            Console.WriteLine($"yardstick on {library}");
            var merge = MergeLoop.Run(mergeLoop, library, "merge", keys, events, Path.Combine(root, "c-merge"));
            var put = MergeLoop.Run(mergeLoop, library, "put", keys, keys, Path.Combine(root, "c-put"));

            var on = $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores";
            var label = $"{keys / 1_000_000.0:0.#}M keys, {events / 1_000_000.0:0.#}M events";
            const string C = "C loop on the package's RocksDB 11.12, batches of 1,000, WAL off";
            var rows = new List<ResultRow>
            {
                Row($"keyed counter updates/s, {label}, one RocksDB per partition (vs {C}: uint64add merges)", perPartition, merge, on),
                Row($"keyed counter updates/s, {label}, one RocksDB with partition prefix (vs {C}: uint64add merges)", shared, merge, on),
                Row($"keyed counter updates/s, {label}, one RocksDB per partition (vs {C}: one put per key)", perPartition, put, on),
            };

            var dbBench = "";
            if (DbBench.IsInstalled())
            {
                var dbBenchMerge = DbBench.Run("mergerandom", events, keys, Path.Combine(root, "db_bench-merge"));
                Console.WriteLine($"db_bench mergerandom: {dbBenchMerge:N0} ops/s");
                rows.Add(Row($"keyed counter updates/s, {label}, one RocksDB per partition (vs Debian's db_bench mergerandom, built with assertions, one merge per write)", perPartition, dbBenchMerge, on));
                dbBench = $"; and {DbBench.Command("mergerandom", events, keys)}";
            }
            else
            {
                Console.WriteLine("db_bench is not installed: no db_bench row (Debian: apt-get install rocksdb-tools)");
            }

            var command = $"dotnet run -c Release --project bench/Benchmarks -- state --keys {keys} --events {events} " +
                $"(compiles bench/Benchmarks/State/merge_loop.c with gcc and runs it on the RocksDB library RocksDbSharp loaded: " +
                $"{MergeLoop.Command("merge", keys, events)} and {MergeLoop.Command("put", keys, keys)}{dbBench}; " +
                "db_bench only where it is installed)";
            var path = ResultsTable.Upsert(rows, ("State hot path rows", command));
            Console.WriteLine($"Updated {path}");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static ResultRow Row(string measure, double ours, double yardstick, string on) =>
        new(measure, $"{ours:N0}", $"{yardstick:N0}", $"{ours / yardstick:0.00}", on);

    private static async Task<double> RunOursAsync(string directory, bool perPartitionDb, long keys, long events, int partitions, int batch, long checkpointEvery)
    {
        var options = new PartitionStoreOptions().ToRocksDbOptions(disableWal: true);
        using var perPartitionStores = perPartitionDb ? new PartitionedRocksDbStores(directory, partitions, options, 256L * 1024 * 1024) : null;
        using var cache = perPartitionDb ? null : new RocksDbBlockCache(256L * 1024 * 1024);
        using var sharedStore = perPartitionDb ? null : RocksDbKeyValueStore.Open(directory, new RocksDbOptions { DisableWal = true }, cache);
        Func<int, IKeyValueStore> storeOf = perPartitionDb ? p => perPartitionStores![p] : _ => sharedStore!;
        var runtimeOptions = new GrainRuntimeOptions
        {
            PartitionCount = partitions,
            MaxActivationsPerPartition = (int)(keys / partitions * 2),
            MaxDirtyGrainsPerPartition = (int)(keys / partitions * 2),
        };
        await using var runtime = new GrainRuntime(
            storeOf,
            new GrainTypeRegistry([typeof(CounterGrain)]),
            runtimeOptions,
            new LocalDeadLetterQueue(Path.Combine(directory + "-dead-letters")),
            new ServiceCollection().BuildServiceProvider(),
            NullLoggerFactory.Instance);

        var keyNames = new string[keys];
        for (var i = 0; i < keys; i++)
        {
            keyNames[i] = "key-" + i.ToString("D8", CultureInfo.InvariantCulture);
        }

        var random = new Random(42);
        var stopwatch = Stopwatch.StartNew();
        var sinceCheckpoint = 0L;
        for (long produced = 0; produced < events;)
        {
            var size = (int)Math.Min(batch, events - produced);
            var slice = new List<StreamEvent<long>>(size);
            for (var i = 0; i < size; i++)
            {
                var key = keyNames[random.Next((int)keys)];
                var sequence = (produced + i + 1).ToString(CultureInfo.InvariantCulture);
                slice.Add(new StreamEvent<long>(key, 1, new StreamRecord(ReadOnlyMemory<byte>.Empty, key, sequence, 0, null, default, "shardId-000000000000")));
            }

            await runtime.ApplyAsync(typeof(CounterGrain), "shardId-000000000000", slice);
            produced += size;
            sinceCheckpoint += size;
            if (sinceCheckpoint >= checkpointEvery)
            {
                await runtime.FlushAsync();
                sinceCheckpoint = 0;
            }
        }

        await runtime.FlushAsync();
        var rate = events / stopwatch.Elapsed.TotalSeconds;
        var sample = (long)(await runtime.InvokeAsync(typeof(ICounter).FullName!, keyNames[0], nameof(ICounter.GetAsync), default))!;
        Console.WriteLine($"ours ({(perPartitionDb ? "one RocksDB per partition" : "one RocksDB, partition prefix")}): {rate:N0} events/s ({stopwatch.Elapsed.TotalSeconds:F1} s; key-00000000 = {sample})");
        return rate;
    }

    private static long Option(string[] args, string name, long fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? long.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
