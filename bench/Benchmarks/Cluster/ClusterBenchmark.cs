using System.Diagnostics;
using System.Globalization;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.MultiProcess;

namespace KinesisGrains.Benchmarks.Cluster;

/// <summary>
/// Silo processes on kinesalite, dynalite and s3rver: how long a shard goes unread when the silo reading it is
/// SIGKILLed or stopped (to its first record delivered on another silo, from that silo's /status), and how fast 1, 2
/// and 3 silos drain one 4-shard stream.
/// </summary>
internal static class ClusterBenchmark
{
    private const int Shards = 4;

    // KCL 2.x defaults (../shared/reference/kcl.md §2.1, §2.3): a lease is expired once a taker pass sees its counter
    // unchanged failoverTimeMillis (10 s) after a pass that saw it move; passes run every (10 s + 25 ms) × 2 = 20.05 s.
    // After a crash the first pass (0–20 s later) still sees the last renewal move the counter, the next one 20 s on
    // takes it: 20–40 s. A KCL worker's graceful shutdown does not release its leases, so the same holds for a stop.
    private const string KclYardstick = "KCL 2.x defaults by arithmetic, not measured: 20–40 s (taker every 20 s must see the counter unchanged over 10 s `failoverTimeMillis`)";
    private const double KclMidpointSeconds = 30;

    public static async Task<int> RunAsync(string[] args)
    {
        var runs = Option(args, "--runs", 5);
        var records = Option(args, "--records", 100_000);

        // --records 0: the failover and hand-off rows only.
        var logs = Path.Combine(AppContext.BaseDirectory, "cluster-logs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Console.WriteLine($"Cluster benchmark: {runs} kills and {runs} stops on 3 silos, then {records:N0} records drained by 1, 2 and 3 silos; silo logs in {logs}");

        using var emulators = LocalEmulators.Start("kinesalite", "dynalite", "s3rver");
        using var kinesis = new KinesisClient(new KinesisClientOptions { ServiceUrl = emulators.Kinesis, AccessKeyId = "local", SecretAccessKey = "local" });

        var (killed, stopped) = await MeasureHandOversAsync(emulators, kinesis, logs, runs);
        var rates = new Dictionary<int, double>();
        foreach (var silos in records > 0 ? new[] { 1, 2, 3 } : [])
        {
            rates[silos] = await MeasureDrainAsync(emulators, kinesis, logs, silos, records);
        }

        var on = $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, shared and noisy";
        var setup = $"3 silo processes (DynamoDB membership on dynalite, silo defaults), 4-shard kinesalite stream fed ~1,000 records/s, median of {runs} (min–max)";
        var rows = new List<ResultRow>
        {
            new(
                $"failover: SIGKILL of a silo reading a shard → the shard's first read on another silo applied by every partition it feeds (partitions of the dead silo restored from S3 first), and → the shard read again (lease taken), {setup}",
                Summary(killed),
                KclYardstick,
                Ratio(killed),
                on),
            new(
                $"graceful hand-off: SIGTERM of a silo reading a shard → the shard's first read on another silo applied by every partition it feeds, and → the shard read again (lease taken), {setup}",
                Summary(stopped),
                "KCL 2.x: a stopped worker does not release its leases, peers wait for expiry as after a crash: 20–40 s by arithmetic, not measured",
                Ratio(stopped),
                on),
        };
        foreach (var silos in records > 0 ? new[] { 2, 3 } : [])
        {
            rows.Add(new(
                $"drain {records:N0} records from a 4-shard kinesalite stream with {silos} silo processes on one 2-core host, records/s from the first read to the last delivery (vs 1 silo, same run; on 2 cores this shows the cost of more processes, not scale-out)",
                $"{rates[silos]:N0}",
                $"{rates[1]:N0}",
                $"{rates[silos] / rates[1]:F2}",
                on));
        }

        var path = ResultsTable.Upsert(rows, ("Cluster rows", $"dotnet run -c Release --project bench/Benchmarks -- cluster --runs {runs} --records 100000 (starts kinesalite, dynalite and s3rver; runs Silo/bin/Release/net10.0/KinesisGrains.Silo.dll processes; --records 0 measures only the failover and hand-off rows)"));
        foreach (var row in rows)
        {
            Console.WriteLine(row.ToMarkdown());
        }

        Console.WriteLine($"Updated {path}");
        return 0;
    }

    /// <summary>Alternately SIGKILLs and SIGTERMs a silo reading a shard, timing until another silo delivers that shard's records; restarts it after.</summary>
    private static async Task<(List<HandOver> Killed, List<HandOver> Stopped)> MeasureHandOversAsync(LocalEmulators emulators, KinesisClient kinesis, string logs, int runs)
    {
        var stream = "failover-" + Guid.NewGuid().ToString("N")[..8];
        await BenchCluster.CreateStreamAsync(kinesis, stream, Shards);
        await using var cluster = new BenchCluster(emulators, stream, 3, logs);
        using var stop = new CancellationTokenSource();
        var producing = FeedAsync(kinesis, stream, stop.Token);
        var killed = new List<HandOver>();
        var stopped = new List<HandOver>();
        try
        {
            await cluster.StartAllAsync();
            var random = new Random(8);
            for (var run = 0; run < runs * 2; run++)
            {
                var kill = run % 2 == 0;
                await WaitBalancedAsync(cluster);
                var candidates = new List<(SiloProcess Silo, string Shard)>();
                foreach (var silo in cluster.Silos)
                {
                    candidates.AddRange((await BenchCluster.ShardsAsync(silo)).Where(s => s.Reading).Select(s => (silo, s.ShardId)));
                }

                var (victim, shard) = candidates[random.Next(candidates.Count)];
                var at = DateTimeOffset.UtcNow;
                var stopping = Task.CompletedTask;
                if (kill)
                {
                    victim.Kill();
                }
                else
                {
                    stopping = victim.StopAsync(TimeSpan.FromSeconds(60));
                }

                var taken = await TakenOverAsync(cluster, victim, shard, at, TimeSpan.FromSeconds(90));
                await stopping;
                (kill ? killed : stopped).Add(taken);
                Console.WriteLine($"  {(kill ? "SIGKILL" : "SIGTERM")} {victim.Name} reading {shard}: read again on another silo after {taken.Reading:F2} s, its first read there delivered to every partition after {taken.Delivered:F2} s");
                await cluster.StartAsync(victim);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await producing;
        }

        return (killed, stopped);
    }

    /// <summary>
    /// Seconds from <paramref name="at"/> until a silo other than <paramref name="victim"/> started reading
    /// <paramref name="shard"/> (took its lease), and until it delivered its first read to every partition it feeds.
    /// </summary>
    private static async Task<HandOver> TakenOverAsync(BenchCluster cluster, SiloProcess victim, string shard, DateTimeOffset at, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var silo in cluster.Silos.Where(s => s != victim))
            {
                var view = (await BenchCluster.ShardsAsync(silo)).FirstOrDefault(s => s.ShardId == shard);
                if (view is { Reading: true, ReadingSince: { } since, FirstDeliveredAt: { } first } && since >= at)
                {
                    return new HandOver((since - at).TotalSeconds, (first - at).TotalSeconds);
                }
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"No silo read {shard} within {timeout} of {victim.Name} going away.");
    }

    /// <summary>Until every silo reads at least one shard, has delivered records of it, and every open shard is read somewhere.</summary>
    private static async Task WaitBalancedAsync(BenchCluster cluster)
    {
        var deadline = DateTime.UtcNow.AddSeconds(240);
        while (true)
        {
            var perSilo = new List<IReadOnlyList<ShardView>>();
            foreach (var silo in cluster.Silos)
            {
                perSilo.Add((await BenchCluster.ShardsAsync(silo)).Where(s => s.Reading).ToList());
            }

            if (perSilo.All(s => s.Count > 0 && s.All(v => v.FirstDeliveredAt is not null)) && perSilo.SelectMany(s => s).Select(s => s.ShardId).Distinct().Count() >= Shards)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The shards were not spread over every silo within 240 s: " + string.Join("; ", perSilo.Select(s => string.Join(",", s.Select(v => $"{v.ShardId} delivered {v.FirstDeliveredAt}")))));
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Records/s for <paramref name="silos"/> silos draining a fresh stream: from the first read begun to the last delivery.</summary>
    private static async Task<double> MeasureDrainAsync(LocalEmulators emulators, KinesisClient kinesis, string logs, int silos, int records)
    {
        var stream = $"drain{silos}-" + Guid.NewGuid().ToString("N")[..8];
        await BenchCluster.CreateStreamAsync(kinesis, stream, Shards);
        await new ClickstreamProducer(kinesis, stream) { Concurrency = 4 }.ProduceAsync(records, 10_000, seed: silos, new GroundTruth());
        await using var cluster = new BenchCluster(emulators, stream, silos, logs);
        var stopwatch = Stopwatch.StartNew();
        await cluster.StartAllAsync();
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (true)
        {
            var shards = new List<ShardView>();
            foreach (var silo in cluster.Silos)
            {
                shards.AddRange(await BenchCluster.ShardsAsync(silo));
            }

            var read = shards.Sum(s => s.RecordsRead);
            if (read >= records && shards.Where(s => s.Reading).All(s => s.CaughtUp) && shards.Where(s => s.Reading).Select(s => s.ShardId).Distinct().Count() >= Shards)
            {
                var first = shards.Where(s => s.ReadingSince is not null).Min(s => s.ReadingSince!.Value);
                var last = shards.Where(s => s.LastDeliveredAt is not null).Max(s => s.LastDeliveredAt!.Value);
                var rate = records / (last - first).TotalSeconds;
                Console.WriteLine($"  {silos} silo(s): {records:N0} records ({read:N0} read, re-reads after lease moves included) in {(last - first).TotalSeconds:F2} s: {rate:N0} records/s ({stopwatch.Elapsed.TotalSeconds:F0} s with start-up)");
                return rate;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{silos} silo(s) did not drain {records} records in 10 minutes ({read} read).");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>About 1,000 records a second over 1,000 keys (every shard gets some) until cancelled.</summary>
    private static async Task FeedAsync(KinesisClient kinesis, string stream, CancellationToken stop)
    {
        var producer = new ClickstreamProducer(kinesis, stream) { Concurrency = 1 };
        for (var chunk = 0; !stop.IsCancellationRequested; chunk++)
        {
            var began = Stopwatch.StartNew();
            await producer.ProduceAsync(500, 1_000, seed: chunk, new GroundTruth());
            var rest = TimeSpan.FromMilliseconds(500) - began.Elapsed;
            if (rest > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(rest, stop);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    /// <summary>"first read applied: median (min–max); reading again: median (min–max)".</summary>
    private static string Summary(List<HandOver> runs) =>
        runs.Count == 0
            ? "n/a"
            : $"first read applied {Range([.. runs.Select(r => r.Delivered)])}; shard read again {Range([.. runs.Select(r => r.Reading)])}";

    private static string Range(List<double> seconds)
    {
        var sorted = seconds.Order().ToList();
        return $"{Median(sorted):F2} s ({sorted[0]:F2}–{sorted[^1]:F2})";
    }

    private static string Ratio(List<HandOver> runs) =>
        runs.Count == 0 ? "n/a" : $"{Median([.. runs.Select(r => r.Delivered).Order()]) / KclMidpointSeconds:F3} (vs 30 s midpoint)";

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;

    /// <summary>Seconds to the shard read again elsewhere (lease taken), and to its first read there applied by every partition.</summary>
    private readonly record struct HandOver(double Reading, double Delivered);

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
