using System.Globalization;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Views;
using KinesisGrains.Benchmarks.State;
using KinesisGrains.Benchmarks.State.Synthetic;
using KinesisGrains.KeyedState.Snapshots;
using Orleans;

namespace KinesisGrains.Benchmarks.Views;

/// <summary>
/// A hot key through a keyed view: counter updates/s of one global key spread over the partitions
/// (<see cref="KeyedViewRouting.Spread"/>: every partition pre-aggregates its share, a query merges them), and of the
/// same key unspread (one partition takes every event), against the same counters on uniform keys; all three through
/// the Orleans path of the state benchmark (synthetic receivers with the real RecordDecoder → batch containers →
/// pulling agents → partition grains → RocksDB). Every run makes two sets of lanes: the measured counters' and a set
/// no grain consumes (the uniform run: a spread view nobody reads; the global-key runs: the primary view's batches),
/// so each pays the same decoding and queue cache work.
/// </summary>
internal static class ViewsBenchmark
{
    // dotnet run -c Release --project bench/Benchmarks -- views [--keys N] [--events N] [--partitions P] [--queues Q] [--runs N]
    public static async Task<int> RunAsync(string[] args)
    {
        var keys = BenchArguments.Option(args, "--keys", 200_000);
        var events = BenchArguments.Option(args, "--events", 2_000_000);
        var partitions = BenchArguments.Option(args, "--partitions", 16);
        var runs = BenchArguments.Option(args, "--runs", 3);
        var settings = new OrleansRunSettings(
            partitions,
            Queues: BenchArguments.Option(args, "--queues", 4),
            RecordsPerRead: 4_000,
            CacheSize: SyntheticAdapterFactory.KinesisCacheSize(partitions * 2),
            MaxKeysInMemoryPerPartition: 100_000);
        var root = Path.Combine(Path.GetTempPath(), "kgrains-views-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            // s3rver only so the partitions run as a production silo does (snapshots on, so the WAL off); none is taken.
            using var emulators = LocalEmulators.Start("s3rver");
            var snapshots = new S3SnapshotOptions
            {
                Bucket = "kgrains-views-bench",
                Prefix = "run-" + Guid.NewGuid().ToString("N")[..8],
                ServiceUrl = emulators.S3,
                AccessKeyId = "S3RVER",
                SecretAccessKey = "S3RVER",
            };
            using (var s3 = S3ClientFactory.Create(snapshots))
            {
                await s3.PutBucketAsync(snapshots.Bucket);
            }

            var workload = CounterWorkload.Create(keys, events);
            var variants = new[] { Variant.Uniform, Variant.Spread, Variant.Unspread };
            var results = variants.ToDictionary(v => v, _ => new List<OrleansRunResult>());
            Console.WriteLine($"views: {keys:N0} keys, {events:N0} events, {partitions} partitions, {settings.Queues} queues, {runs} rounds of {string.Join(", ", variants)}");
            var silo = await BenchSilo.StartAsync(settings, Path.Combine(root, "state"), snapshots);
            await using (silo)
            {
                foreach (var variant in variants)
                {
                    var warmUp = await RunAsync(silo, workload, variant, events / 2, "w");
                    Console.WriteLine($"warm-up ({variant}, {events / 2:N0} events): {warmUp}");
                }

                for (var round = 0; round < runs; round++)
                {
                    foreach (var variant in variants.Skip(round % variants.Length).Concat(variants.Take(round % variants.Length)))
                    {
                        var result = await RunAsync(silo, workload, variant, events, $"r{round}");
                        results[variant].Add(result);
                        Console.WriteLine($"round {round + 1}, {variant}: {result}");
                    }
                }
            }

            OrleansRunResult Median(Variant variant) => results[variant].OrderBy(r => r.EventsPerSecond).ElementAt(results[variant].Count / 2);
            var uniform = Median(Variant.Uniform);
            var on = $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, shared and noisy";
            var label = $"{events / 1_000_000.0:0.##}M events, {partitions} partitions, {settings.Queues} queues, ~{settings.EventsPerContainer} events per container " +
                $"(synthetic receivers with the RecordDecoder → batch containers → pulling agents → counter partition grains → RocksDB, WAL off; median of {runs} runs each, interleaved)";
            var yardstick = $"{uniform.EventsPerSecond:N0} ({Describe(uniform)})";
            var rows = new List<ResultRow>
            {
                new(
                    $"counter updates/s of one global key through a spread keyed view (each partition pre-aggregates the events of its own primary keys; a query merges the {partitions} parts), {label} " +
                    $"(vs the same counters on {keys / 1_000_000.0:0.##}M uniform keys, same run; goal ≥ 0.5×)",
                    $"{Median(Variant.Spread).EventsPerSecond:N0} ({Describe(Median(Variant.Spread))})",
                    yardstick,
                    $"{Median(Variant.Spread).EventsPerSecond / uniform.EventsPerSecond:0.00}",
                    on),
                new(
                    $"counter updates/s of one global key through an unspread keyed view (every event to the one partition of the key), {label} " +
                    $"(vs the same counters on {keys / 1_000_000.0:0.##}M uniform keys, same run; for contrast with the spread view)",
                    $"{Median(Variant.Unspread).EventsPerSecond:N0} ({Describe(Median(Variant.Unspread))})",
                    yardstick,
                    $"{Median(Variant.Unspread).EventsPerSecond / uniform.EventsPerSecond:0.00}",
                    on),
            };

            var command = $"dotnet run -c Release --project bench/Benchmarks -- views --keys {keys} --events {events} --partitions {partitions} --queues {settings.Queues} --runs {runs} " +
                "(starts s3rver with tools/emulators/emulators.sh)";
            var path = ResultsTable.Upsert(rows, ("Keyed views rows", command));
            Console.WriteLine($"Updated {path}");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private enum Variant
    {
        /// <summary>The counters on the workload's uniform keys (the primary view), and a spread view nobody consumes.</summary>
        Uniform,

        /// <summary>One global key in a spread view; the primary view's batches consumed by nobody.</summary>
        Spread,

        /// <summary>One global key in a view routed by its key: one partition takes every event.</summary>
        Unspread,
    }

    /// <summary>One run of a variant on keys of its own (<paramref name="tag"/>), checked: every event counted once.</summary>
    private static Task<OrleansRunResult> RunAsync(BenchSilo silo, CounterWorkload workload, Variant variant, long events, string tag)
    {
        var partitions = silo.Settings.Partitions;
        var global = $"all-{tag}-{variant}";
        return variant switch
        {
            Variant.Uniform => OrleansRun.RunAsync(
                silo, Consumer.Counters, events, i => tag + workload.KeyOf(i),
                whileUp: grains => CheckAsync(grains.GetPartitionOf<ICounterPartition>(tag + workload.Keys[0], partitions).GetAsync(tag + workload.Keys[0]), CountOf(workload, 0, events)),
                views: [new KeyedView<long>(OrleansRun.UnconsumedNamespace, _ => "x", KeyedViewRouting.Spread)]),
            Variant.Spread => OrleansRun.RunAsync(
                silo, Consumer.Counters, events, i => tag + workload.KeyOf(i),
                whileUp: grains => CheckAsync(grains.GetMergedAsync<ICounterPartition, CounterState>(global, partitions, (a, b) => new CounterState { Count = a.Count + b.Count }), events),
                views: [new KeyedView<long>(ICounterPartition.StreamNamespace, _ => global, KeyedViewRouting.Spread)]),
            _ => OrleansRun.RunAsync(
                silo, Consumer.Counters, events, i => tag + workload.KeyOf(i),
                whileUp: grains => CheckAsync(grains.GetPartitionOf<ICounterPartition>(global, partitions).GetAsync(global), events),
                views: [new KeyedView<long>(ICounterPartition.StreamNamespace, _ => global, KeyedViewRouting.ByKey)]),
        };
    }

    private static long CountOf(CounterWorkload workload, int key, long events)
    {
        var count = 0L;
        for (var i = 0; i < events; i++)
        {
            count += workload.KeyOfEvent[i] == key ? 1 : 0;
        }

        return count;
    }

    private static async Task CheckAsync(Task<CounterState?> state, long expected)
    {
        var counted = (await state)?.Count ?? 0;
        if (counted != expected)
        {
            throw new InvalidOperationException($"The key counted {counted.ToString("N0", CultureInfo.InvariantCulture)}, expected {expected.ToString("N0", CultureInfo.InvariantCulture)}.");
        }
    }

    private static string Describe(OrleansRunResult run) =>
        $"{run.Seconds:F1} s, {run.CpuSeconds / run.Seconds:0.0} cores, of its {run.CpuSeconds:F1} CPU s the receivers' (making, decoding and routing the records) {run.ReceiverCpuSeconds:F1} s, {run.Containers:N0} containers, GC pauses {run.GcPauseSeconds:F1} s";
}
