using System.Globalization;
using KinesisGrains.Benchmarks.State.Synthetic;
using KinesisGrains.RocksDb.Snapshots;

namespace KinesisGrains.Benchmarks.State;

/// <summary>
/// Keyed counter updates through the Orleans path (synthetic receivers → batch containers → pulling agents → real
/// keyed-state partition grains → RocksDB, WAL off as with snapshots on), against RocksDB doing the bare work from C
/// (State/merge_loop.c on the same library: the same random keys, merges or puts in batches, WAL off) in the same run,
/// and against db_bench's mergerandom where it is installed. A second Orleans run with grains that only count what
/// they are handed prices one Orleans delivery.
/// </summary>
internal static class StateHotPathBenchmark
{
    // dotnet run -c Release --project bench/Benchmarks -- state [--keys N] [--events N] [--partitions P] [--queues Q] [--records-per-read N] [--cache-size N]
    public static async Task<int> RunAsync(string[] args)
    {
        var keys = (int)Option(args, "--keys", 200_000);
        var events = (int)Option(args, "--events", 2_000_000);
        var partitions = (int)Option(args, "--partitions", 16);
        var settings = new OrleansRunSettings(
            partitions,
            Queues: (int)Option(args, "--queues", 4),
            RecordsPerRead: (int)Option(args, "--records-per-read", 4_000),
            CacheSize: (int)Option(args, "--cache-size", SyntheticAdapterFactory.KinesisCacheSize(partitions)),
            MaxKeysInMemoryPerPartition: 100_000);
        var root = Path.Combine(Path.GetTempPath(), "kgrains-state-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            // Compiled first, so a missing gcc fails the run before minutes of measuring.
            var mergeLoop = MergeLoop.Compile(root);

            // s3rver only so the partitions run as a production silo does, with snapshots and so the WAL off; none is taken.
            using var emulators = LocalEmulators.Start("s3rver");
            using (var s3 = S3ClientFactory.Create(Snapshots(emulators.S3)))
            {
                await s3.PutBucketAsync(Snapshots(emulators.S3).Bucket);
            }

            var workload = CounterWorkload.Create(keys, events);
            Console.WriteLine($"keyed counters through Orleans: {keys:N0} keys, {events:N0} events, {partitions} partitions, {settings.Queues} queues, " +
                $"{settings.RecordsPerRead:N0} records per read (~{settings.EventsPerContainer} events per container), queue cache {settings.CacheSize} containers");

            // One silo for every run, as one runs for hours: the warm-ups compile both paths (tiered compilation takes
            // seconds to settle here), and the timed counters start from empty stores of their own.
            OrleansRunResult probes, counters;
            var silo = await BenchSilo.StartAsync(settings, Path.Combine(root, "state"), Snapshots(emulators.S3));
            await using (silo)
            {
                foreach (var consumer in new[] { Consumer.DeliveryProbes, Consumer.WarmUpCounters })
                {
                    var warmUp = await OrleansRun.RunAsync(silo, consumer, events / 2, i => "w" + workload.KeyOf(i));
                    Console.WriteLine($"warm-up ({consumer}, {events / 2:N0} events): {warmUp}");
                }

                probes = await OrleansRun.RunAsync(silo, Consumer.DeliveryProbes, events, workload.KeyOf);
                Console.WriteLine($"delivery probes: {probes}");

                counters = await OrleansRun.RunAsync(silo, Consumer.Counters, events, workload.KeyOf, grains => CheckCountsAsync(grains, workload, partitions));
                Console.WriteLine($"counter partitions: {counters}");
            }

            var library = MergeLoop.Library();
            Console.WriteLine($"yardstick on {library}");
            var merge = MergeLoop.Run(mergeLoop, library, "merge", keys, events, Path.Combine(root, "c-merge"));
            var put = MergeLoop.Run(mergeLoop, library, "put", keys, events, Path.Combine(root, "c-put"));

            var on = $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, shared and noisy";
            var label = $"{keys / 1_000_000.0:0.##}M keys, {events / 1_000_000.0:0.##}M events, {partitions} partitions, {settings.Queues} queues, ~{settings.EventsPerContainer} events per container";
            const string Path1 = "through Orleans (synthetic receivers → batch containers → pulling agents → partition grains → RocksDB, WAL off)";
            const string C = "C loop on the package's RocksDB 11.12, same keys, batches of 1,000, WAL off";
            var ours = $"{counters.EventsPerSecond:N0} ({counters.CpuSeconds / counters.Seconds:0.0} cores)";
            var rows = new List<ResultRow>
            {
                new($"keyed counter updates/s {Path1}, {label} (vs {C}: uint64add merges)", ours, $"{merge:N0}", $"{counters.EventsPerSecond / merge:0.00}", on),
                new($"keyed counter updates/s {Path1}, {label} (vs {C}: one put per event)", ours, $"{put:N0}", $"{counters.EventsPerSecond / put:0.00}", on),
            };

            var dbBench = "";
            if (DbBench.IsInstalled())
            {
                var dbBenchMerge = DbBench.Run("mergerandom", events, keys, Path.Combine(root, "db_bench-merge"));
                Console.WriteLine($"db_bench mergerandom: {dbBenchMerge:N0} ops/s");
                rows.Add(new($"keyed counter updates/s {Path1}, {label} (vs Debian's db_bench mergerandom, built with assertions, one merge per write)",
                    ours, $"{dbBenchMerge:N0}", $"{counters.EventsPerSecond / dbBenchMerge:0.00}", on));
                dbBench = $"; and {DbBench.Command("mergerandom", events, keys)}";
            }
            else
            {
                Console.WriteLine("db_bench is not installed: no db_bench row (Debian: apt-get install rocksdb-tools)");
            }

            // Orleans' share: CPU beyond making the containers, per container, with and without the grains' work.
            var deliveryCpu = probes.ConsumerCpuMicrosecondsPerContainer;
            var counterCpu = counters.ConsumerCpuMicrosecondsPerContainer;
            var perEvent = (double)events / probes.Containers;
            rows.Add(new(
                $"one Orleans delivery of a batch container (pulling agent, queue cache, implicit subscription, grain call) to a grain that only counts its events, {label}: CPU µs per container " +
                "beyond the receivers' making it (vs the same for the counter partition grains: delivery + per-key logic + RocksDB write)",
                $"{deliveryCpu:0.0} µs/container, {deliveryCpu / perEvent:0.000} µs/event (wall: {probes.Seconds / probes.Containers * 1e6:0.0} µs/container, {probes.EventsPerSecond:N0} events/s)",
                $"{counterCpu:0.0} µs/container, {counterCpu / perEvent:0.000} µs/event",
                $"{deliveryCpu / counterCpu:0.00}",
                on));

            var command = $"dotnet run -c Release --project bench/Benchmarks -- state --keys {keys} --events {events} " +
                $"(starts s3rver with tools/emulators/emulators.sh; compiles bench/Benchmarks/State/merge_loop.c with gcc and runs it on the RocksDB library RocksDbSharp loaded: " +
                $"{MergeLoop.Command("merge", keys, events)} and {MergeLoop.Command("put", keys, events)}{dbBench}; db_bench only where it is installed)";
            var path = ResultsTable.Upsert(rows, ("State hot path rows", command));
            Console.WriteLine($"Updated {path}");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static S3SnapshotOptions Snapshots(Uri s3) => new()
    {
        Bucket = "kgrains-state-bench",
        Prefix = "run-" + Guid.NewGuid().ToString("N")[..8],
        ServiceUrl = s3,
        AccessKeyId = "S3RVER",
        SecretAccessKey = "S3RVER",
    };

    /// <summary>A few counters asked through their partition grains hold what the workload says.</summary>
    private static async Task CheckCountsAsync(Orleans.IGrainFactory grains, CounterWorkload workload, int partitions)
    {
        foreach (var key in new[] { 0, workload.Keys.Length / 2, workload.Keys.Length - 1 })
        {
            var name = workload.Keys[key];
            var state = await grains.GetGrain<ICounterPartition>(new Runtime.Partitions.PartitionMap(partitions).GetPartition(name)).GetAsync(name);
            var expected = workload.CountOf(key);
            if ((state?.Count ?? 0) != expected)
            {
                throw new InvalidOperationException($"Key {name} counted {state?.Count ?? 0}, expected {expected}.");
            }
        }
    }

    private static long Option(string[] args, string name, long fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? long.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
