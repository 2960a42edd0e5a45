using System.Globalization;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Benchmarks.Delta;
using KinesisGrains.Benchmarks.State.Synthetic;
using KinesisGrains.KeyedState.Snapshots;
using Orleans.Hosting;

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
    private const string Route = "through Orleans (synthetic receivers → batch containers → pulling agents → partition grains → RocksDB, WAL off)";
    private const string C = "C loop on the package's RocksDB 11.12, same keys, batches of 1,000, WAL off";

    // dotnet run -c Release --project bench/Benchmarks -- state [--keys N] [--events N] [--partitions P] [--queues Q] [--records-per-read N] [--cache-size N] [--big-cache-size N]
    //   [--sink changelog,emitted [--runs N] [--barrier-ms MS]]   (only the with-a-sink vs without rows)
    public static async Task<int> RunAsync(string[] args)
    {
        if (Array.IndexOf(args, "--sink") >= 0)
        {
            return await RunWithSinksAsync(args);
        }

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
            var (probes, counters) = await RunThroughOrleansAsync(workload, settings, Path.Combine(root, "state"), Snapshots(emulators.S3));

            // The same deliveries with a queue cache large enough never to be full: what the cache size costs.
            var bigCache = settings with { CacheSize = (int)Option(args, "--big-cache-size", 1_024) };
            OrleansRunResult bigCacheProbes;
            var bigCacheSilo = await BenchSilo.StartAsync(bigCache, Path.Combine(root, "state-big-cache"), null);
            await using (bigCacheSilo)
            {
                await OrleansRun.RunAsync(bigCacheSilo, Consumer.DeliveryProbes, events / 2, i => "w" + workload.KeyOf(i));
                bigCacheProbes = await OrleansRun.RunAsync(bigCacheSilo, Consumer.DeliveryProbes, events, workload.KeyOf);
                Console.WriteLine($"delivery probes, queue cache of {bigCache.CacheSize} containers: {bigCacheProbes}");
            }

            var library = MergeLoop.Library();
            Console.WriteLine($"yardstick on {library}");
            var merge = MergeLoop.Run(mergeLoop, library, "merge", keys, events, Path.Combine(root, "c-merge"));
            var put = MergeLoop.Run(mergeLoop, library, "put", keys, events, Path.Combine(root, "c-put"));

            var on = $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, shared and noisy";
            var label = $"{keys / 1_000_000.0:0.##}M keys, {events / 1_000_000.0:0.##}M events, {partitions} partitions, {settings.Queues} queues, ~{settings.EventsPerContainer} events per container";
            var rows = new List<ResultRow>
            {
                CounterRow(label, counters, $"{C}: uint64add merges", merge, on),
                CounterRow(label, counters, $"{C}: one put per event", put, on),
            };

            var dbBench = "";
            if (DbBench.IsInstalled())
            {
                var dbBenchMerge = DbBench.Run("mergerandom", events, keys, Path.Combine(root, "db_bench-merge"));
                Console.WriteLine($"db_bench mergerandom: {dbBenchMerge:N0} ops/s");
                rows.Add(CounterRow(label, counters, "Debian's db_bench mergerandom, built with assertions, one merge per write", dbBenchMerge, on));
                dbBench = $"; and {DbBench.Command("mergerandom", events, keys)}";
            }
            else
            {
                Console.WriteLine("db_bench is not installed: no db_bench row (Debian: apt-get install rocksdb-tools)");
            }

            rows.Add(DeliveryRow(label, probes, counters, on));
            rows.Add(new(
                $"events/s delivered to grains that only count them, {label}, with the Kinesis provider's queue cache ({settings.CacheSize} containers per queue; " +
                $"a full cache waits for the pulling agent's next {Orleans.Hosting.KinesisStreamingExtensions.PullingAgentPeriod.TotalMilliseconds:F0} ms timer tick) (vs a {bigCache.CacheSize}-container cache, same run)",
                $"{probes.EventsPerSecond:N0} ({probes.CpuSeconds / probes.Seconds:0.0} cores)",
                $"{bigCacheProbes.EventsPerSecond:N0} ({bigCacheProbes.CpuSeconds / bigCacheProbes.Seconds:0.0} cores)",
                $"{probes.EventsPerSecond / bigCacheProbes.EventsPerSecond:0.00}",
                on));

            var command = $"dotnet run -c Release --project bench/Benchmarks -- state {string.Join(' ', OtherOptions(args, "--keys", "--events").Prepend($"--keys {keys} --events {events}"))} " +
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

    /// <summary>
    /// One silo for the warm-ups and both timed runs, as a silo runs for hours: the warm-ups compile both paths
    /// (tiered compilation takes seconds to settle here), and the timed counters start from empty stores of their own.
    /// </summary>
    private static async Task<(OrleansRunResult Probes, OrleansRunResult Counters)> RunThroughOrleansAsync(
        CounterWorkload workload, OrleansRunSettings settings, string stateDirectory, S3SnapshotOptions snapshots)
    {
        var events = workload.Events;
        var silo = await BenchSilo.StartAsync(settings, stateDirectory, snapshots);
        await using (silo)
        {
            foreach (var consumer in new[] { Consumer.DeliveryProbes, Consumer.WarmUpCounters })
            {
                var warmUp = await OrleansRun.RunAsync(silo, consumer, events / 2, i => "w" + workload.KeyOf(i));
                Console.WriteLine($"warm-up ({consumer}, {events / 2:N0} events): {warmUp}");
            }

            var probes = await OrleansRun.RunAsync(silo, Consumer.DeliveryProbes, events, workload.KeyOf);
            Console.WriteLine($"delivery probes: {probes}");

            var counters = await OrleansRun.RunAsync(silo, Consumer.Counters, events, workload.KeyOf, grains => CheckCountsAsync(grains, workload, settings.Partitions));
            Console.WriteLine($"counter partitions: {counters}");
            return (probes, counters);
        }
    }

    /// <summary>
    /// The counters with barriers every <c>--barrier-ms</c>, without a sink (<see cref="CounterPartitionGrain"/>) and with
    /// a Delta sink of their changelog (<see cref="ChangelogCounterPartitionGrain"/>) or of a row emitted per event
    /// (<see cref="EmittingCounterPartitionGrain"/>), on one silo; warm-ups first, then <c>--runs</c> rounds of every
    /// variant in rotating order, each round on fresh keys; the median run of each variant.
    /// </summary>
    private static async Task<int> RunWithSinksAsync(string[] args)
    {
        var keys = (int)Option(args, "--keys", 200_000);
        var events = (int)Option(args, "--events", 2_000_000);
        var partitions = (int)Option(args, "--partitions", 16);
        var runs = (int)Option(args, "--runs", 3);
        var barrierInterval = TimeSpan.FromMilliseconds(Option(args, "--barrier-ms", 1_000));
        var outputs = BenchArguments.Text(args, "--sink", "changelog,emitted").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(o => Enum.Parse<SinkOutputKind>(o, ignoreCase: true)).Distinct().ToList();
        var settings = new OrleansRunSettings(
            partitions,
            Queues: (int)Option(args, "--queues", 4),
            RecordsPerRead: (int)Option(args, "--records-per-read", 4_000),
            CacheSize: (int)Option(args, "--cache-size", SyntheticAdapterFactory.KinesisCacheSize(partitions)),
            MaxKeysInMemoryPerPartition: 100_000);
        var root = Path.Combine(Path.GetTempPath(), "kgrains-state-sink-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            using var emulators = LocalEmulators.Start("s3rver", "dynalite");
            var snapshots = Snapshots(emulators.S3);
            using (var s3 = S3ClientFactory.Create(snapshots))
            {
                await s3.PutBucketAsync(snapshots.Bucket);
            }

            await BenchDeltaSinks.CreateBucketAsync(emulators);
            var consumers = new List<Consumer> { Consumer.Counters };
            var silo = await BenchSilo.StartAsync(settings, Path.Combine(root, "state"), snapshots, s =>
            {
                s.AddKeyedStatePartition<ChangelogCounterPartitionGrain>();
                s.AddKeyedStatePartition<EmittingCounterPartitionGrain>();
                if (outputs.Contains(SinkOutputKind.Changelog))
                {
                    s.Services.AddDeltaSink("counter-changelog", BenchDeltaSinks.Options(emulators, "counter-changelog", ChangelogCounterPartitionGrain.State, SinkOutputKind.Changelog));
                    consumers.Add(Consumer.ChangelogCounters);
                }

                if (outputs.Contains(SinkOutputKind.Emitted))
                {
                    s.Services.AddDeltaSink("counter-events", BenchDeltaSinks.Options(emulators, "counter-events", EmittingCounterPartitionGrain.State, SinkOutputKind.Emitted));
                    consumers.Add(Consumer.EmittingCounters);
                }
            });

            var workload = CounterWorkload.Create(keys, events);
            var barriers = new BarrierSchedule(barrierInterval);
            var results = consumers.ToDictionary(c => c, _ => new List<OrleansRunResult>());
            var emulatorCpu = new Dictionary<OrleansRunResult, double>(ReferenceEqualityComparer.Instance);
            Console.WriteLine($"keyed counters with and without sinks: {keys:N0} keys, {events:N0} events, {partitions} partitions, {settings.Queues} queues, " +
                $"barriers every {barrierInterval.TotalMilliseconds:F0} ms, {runs} rounds of {string.Join(", ", consumers)}");
            await using (silo)
            {
                // A full-size warm-up each: the sink path's methods take more than half a run to reach their final tier.
                foreach (var consumer in consumers)
                {
                    var warmUp = await OrleansRun.RunAsync(silo, consumer, events, i => "w" + workload.KeyOf(i), barriers: barriers);
                    Console.WriteLine($"warm-up ({consumer}, {events:N0} events): {warmUp}");
                }

                for (var round = 0; round < runs; round++)
                {
                    var prefix = $"r{round}-";
                    foreach (var consumer in consumers.Skip(round % consumers.Count).Concat(consumers.Take(round % consumers.Count)))
                    {
                        var emulatorsBefore = emulators.CpuSeconds();
                        var result = await OrleansRun.RunAsync(silo, consumer, events, i => prefix + workload.KeyOf(i), barriers: barriers);
                        emulatorCpu[result] = emulators.CpuSeconds() - emulatorsBefore;
                        results[consumer].Add(result);
                        Console.WriteLine($"round {round + 1}, {consumer}: {result}; s3rver and dynalite {emulatorCpu[result]:F2} CPU s");
                    }
                }
            }

            OrleansRunResult Median(Consumer consumer) => results[consumer].OrderBy(r => r.EventsPerSecond).ElementAt(results[consumer].Count / 2);
            var without = Median(Consumer.Counters);
            var on = $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, shared and noisy";
            var label = $"{keys / 1_000_000.0:0.##}M keys, {events / 1_000_000.0:0.##}M events, {partitions} partitions, {settings.Queues} queues, ~{settings.EventsPerContainer} events per container";
            var rows = new List<ResultRow>();
            foreach (var consumer in consumers.Skip(1))
            {
                var with = Median(consumer);
                var what = consumer == Consumer.ChangelogCounters
                    ? "the partitions' changelog (a row per key written in an epoch: key, deleted, count)"
                    : "a row emitted per event (key, count, shard, sequence number, arrival time)";
                rows.Add(new(
                    $"keyed counter updates/s {Route}, {label}, barriers every {barrierInterval.TotalMilliseconds:F0} ms (each partition snapshots to s3rver, then its sinks commit the epoch), " +
                    $"timed from the first read to the end of the barrier after the last event, with a Delta sink of {what} on s3rver, DynamoDB log store on dynalite " +
                    $"(vs the same counters without a sink, same barriers; median of {runs} runs each, interleaved, each on fresh keys; goal ≥ 0.8×)",
                    $"{with.EventsPerSecond:N0} ({Describe(with, emulatorCpu[with])})",
                    $"{without.EventsPerSecond:N0} ({Describe(without, emulatorCpu[without])})",
                    $"{with.EventsPerSecond / without.EventsPerSecond:0.00}",
                    on));
            }

            var command = $"dotnet run -c Release --project bench/Benchmarks -- state --keys {keys} --events {events} --sink {string.Join(',', outputs).ToLowerInvariant()} --runs {runs} --barrier-ms {barrierInterval.TotalMilliseconds:F0} " +
                "(starts s3rver and dynalite with tools/emulators/emulators.sh)";
            var path = ResultsTable.Upsert(rows, ("State with a sink rows", command));
            Console.WriteLine($"Updated {path}");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Describe(OrleansRunResult run, double emulatorCpuSeconds) =>
        $"{run.Seconds:F1} s; {run.CpuSeconds / run.Seconds:0.0} cores in the silo's process, GC pauses {run.GcPauseSeconds:F1} s; s3rver and dynalite {emulatorCpuSeconds:F1} CPU s; " +
        (run.Barriers is not { } b ? "no barriers"
            : $"{b.Count} barriers, median {b.MedianSeconds * 1000:F0} ms, the final one {b.FinalSeconds * 1000:F0} ms" + (b.SinkRows > 0 ? $", {b.SinkRows:N0} rows committed" : ""));

    private static ResultRow CounterRow(string label, OrleansRunResult counters, string yardstick, double yardstickRate, string on) => new(
        $"keyed counter updates/s {Route}, {label} (vs {yardstick})",
        $"{counters.EventsPerSecond:N0} ({counters.CpuSeconds / counters.Seconds:0.0} cores)",
        $"{yardstickRate:N0}",
        $"{counters.EventsPerSecond / yardstickRate:0.00}",
        on);

    /// <summary>Orleans' share: CPU beyond making the containers, per container, without and with the grains' work.</summary>
    private static ResultRow DeliveryRow(string label, OrleansRunResult probes, OrleansRunResult counters, string on)
    {
        var delivery = probes.ConsumerCpuMicrosecondsPerContainer;
        var counter = counters.ConsumerCpuMicrosecondsPerContainer;
        var eventsPerContainer = (double)probes.Events / probes.Containers;
        return new(
            $"one Orleans delivery of a batch container (pulling agent, queue cache, implicit subscription, grain call) to a grain that only counts its events, {label}: " +
            "CPU µs per container beyond the receivers' making it (vs the same for the counter partition grains: delivery + per-key logic + RocksDB write)",
            $"{delivery:0.0} µs/container, {delivery / eventsPerContainer:0.000} µs/event (wall: {probes.Seconds / probes.Containers * 1e6:0.0} µs/container)",
            $"{counter:0.0} µs/container, {counter / eventsPerContainer:0.000} µs/event",
            $"{delivery / counter:0.00}",
            on);
    }

    /// <summary>The options given other than <paramref name="except"/>, as "--name value" pairs, for the reproduce line.</summary>
    private static IEnumerable<string> OtherOptions(string[] args, params string[] except)
    {
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!except.Contains(args[i]))
            {
                yield return $"{args[i]} {args[i + 1]}";
            }
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
            var state = await grains.GetGrain<ICounterPartition>(new Abstractions.Partitions.PartitionMap(partitions).GetPartition(name)).GetAsync(name);
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
