using System.Diagnostics;
using System.Globalization;
using KinesisGrains.Abstractions.Serialization;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Silo.Hosting;

namespace KinesisGrains.Benchmarks.Visibility;

/// <summary>
/// Put → visible: a producer puts one record at a time at a steady rate, each stamped with the time of its put, and a
/// silo in this process applies them; the latency is taken when the partition grain applies the record (from then on
/// a query of the key sees it). Enhanced fan-out and polling on kinesis-local in the same run; beside the polling silo,
/// a plain GetRecords loop at the same fetch period (no Orleans) reads the same records, for where the time goes.
/// </summary>
internal static class VisibilityBenchmark
{
    // dotnet run -c Release --project bench/Benchmarks -- visibility [--rate 200] [--seconds 30] [--shards 2]
    public static async Task<int> RunAsync(string[] args)
    {
        var rate = BenchArguments.Option(args, "--rate", 200);
        var seconds = BenchArguments.Option(args, "--seconds", 30);
        var shards = BenchArguments.Option(args, "--shards", 2);

        // kinesis-local pushes a subscription's records once a second, AWS as they arrive (about 70 ms from put to
        // consumer, by its docs): with the emulator's second the EFO row would show the emulator, not the reader.
        var pushInterval = BenchArguments.Option(args, "--push-interval-ms", 10);
        using var emulators = LocalEmulators.Start(
            new Dictionary<string, string> { ["KINESIS_LOCAL_PUSH_INTERVAL_MS"] = pushInterval.ToString(CultureInfo.InvariantCulture) }, "kinesis-local", "dynalite");
        var kinesisLocal = emulators.KinesisLocal;
        using var kinesis = KinesisLocalSilos.Client(kinesisLocal);
        Console.WriteLine($"put → visible on kinesis-local: {rate} records/s for {seconds} s, {shards} shards, one record per PutRecords call");

        var efo = await MeasureAsync(kinesis, kinesisLocal, emulators.DynamoDB, "Efo", rate, seconds, shards, plainReader: false);
        var polling = await MeasureAsync(kinesis, kinesisLocal, emulators.DynamoDB, "Polling", rate, seconds, shards, plainReader: true);
        Console.WriteLine($"efo: {Describe(efo.Silo)}");
        Console.WriteLine($"polling: {Describe(polling.Silo)}; plain GetRecords loop: {Describe(polling.Plain!)}");

        var on = $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, shared and noisy";
        var load = $"{rate} records/s for {seconds} s, one record per PutRecords call, {shards} shards, kinesis-local";
        var rows = new List<ResultRow>
        {
            new($"put → visible p99 with enhanced fan-out (Kinesis:ConsumerMode=Efo): put stamped by the producer, seen when its partition grain applies it (queries see it from then), {load} with its subscriptions pushed every {pushInterval} ms (tools/emulators/kinesis-local-push.js: the emulator pushes once a second, AWS as records arrive, about 70 ms from put to consumer by its docs; with the emulator's second this row read p99 2016 ms) (vs the polling silo, MinFetchPeriod 200 ms, same run; goal ≤ 100 ms)",
                Describe(efo.Silo), Describe(polling.Silo), $"{efo.Silo.P99 / polling.Silo.P99:0.00}", on),
            new($"put → visible p99 with polling (MinFetchPeriod 200 ms), {load} (vs a plain GetRecords loop every 200 ms reading the same records, no Orleans, same run; goal ≤ 250 ms)",
                Describe(polling.Silo), Describe(polling.Plain!), $"{polling.Silo.P99 / polling.Plain!.P99:0.00}", on),
        };
        var command = $"dotnet run -c Release --project bench/Benchmarks -- visibility --rate {rate} --seconds {seconds} --shards {shards} --push-interval-ms {pushInterval} (starts kinesis-local and dynalite with tools/emulators/emulators.sh)";
        Console.WriteLine($"Updated {ResultsTable.Upsert(rows, ("Visibility rows", command))}");
        return 0;
    }

    private sealed record Summary(int Count, double P50, double P99, double Max);

    private static string Describe(Summary s) => $"p99 {s.P99:F0} ms (p50 {s.P50:F0} ms, max {s.Max:F0} ms; {s.Count:N0} records)";

    private static async Task<(Summary Silo, Summary? Plain)> MeasureAsync(
        KinesisClient kinesis, Uri kinesisLocal, Uri dynamoDb, string mode, int rate, int seconds, int shardCount, bool plainReader)
    {
        var stream = $"visibility-{mode.ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..6]}";
        await Cluster.BenchCluster.CreateStreamAsync(kinesis, stream, shardCount);
        var data = KinesisLocalSilos.NewDataDirectory("visibility");
        var settings = KinesisLocalSilos.Settings(kinesisLocal, dynamoDb, stream, stream, mode, data);
        settings["Kinesis:InitialPosition"] = "LATEST";
        settings["Kinesis:MinFetchPeriod"] = "00:00:00.200";
        try
        {
            await using var silo = await SiloHost.StartAsync([], s => s.ConsumeStream<VisibilityEvent, VisibilityPartitionGrain>(IVisibilityPartition.StreamNamespace), settings);
            using var stopPlain = new CancellationTokenSource();
            var plain = new Latencies();
            var plainReading = plainReader ? ReadPlainAsync(kinesis, stream, plain, stopPlain.Token) : Task.CompletedTask;

            // Warm-up: every shard read and every partition active before the clock starts.
            var warmUp = Stopwatch.StartNew();
            while (Latencies.Applied.Count < 50 || silo.Source.Progress.Count < shardCount)
            {
                await PutAsync(kinesis, stream, $"warm-{Random.Shared.Next(1000)}");
                if (warmUp.Elapsed > TimeSpan.FromMinutes(2))
                {
                    throw new TimeoutException($"{mode}: the silo saw {Latencies.Applied.Count} warm-up records in 2 minutes.");
                }

                await Task.Delay(20);
            }

            await Task.Delay(1000);
            Latencies.Applied.Take();
            plain.Take();

            // Paced by the clock, not by the calls: a slow put does not lower the rate that follows.
            var total = rate * seconds;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < total; i++)
            {
                var due = TimeSpan.FromSeconds((double)i / rate) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due);
                }

                await PutAsync(kinesis, stream, "key-" + (i % 1000).ToString(CultureInfo.InvariantCulture));
            }

            var deadline = Stopwatch.StartNew();
            while (Latencies.Applied.Count < total || (plainReader && plain.Count < total))
            {
                if (deadline.Elapsed > TimeSpan.FromMinutes(1))
                {
                    throw new TimeoutException($"{mode}: {Latencies.Applied.Count} of {total} records applied, {plain.Count} read by the plain loop, a minute after the last put.");
                }

                await Task.Delay(50);
            }

            await stopPlain.CancelAsync();
            await plainReading;
            var applied = Latencies.Summarize(Latencies.Applied.Take());
            var silos = new Summary(total, applied.P50, applied.P99, applied.Max);
            if (!plainReader)
            {
                return (silos, null);
            }

            var read = Latencies.Summarize(plain.Take());
            return (silos, new Summary(total, read.P50, read.P99, read.Max));
        }
        finally
        {
            KinesisLocalSilos.DeleteData(data);
        }
    }

    private static Task PutAsync(KinesisClient kinesis, string stream, string key) =>
        kinesis.PutRecordsAsync(stream, [new PutRecordsRequestEntry(StateSerializer.Serialize(new VisibilityEvent(key, DateTime.UtcNow.Ticks)), key)]);

    /// <summary>Every shard read from LATEST with GetRecords every 200 ms, each record's latency taken as it arrives.</summary>
    private static async Task ReadPlainAsync(KinesisClient kinesis, string stream, Latencies latencies, CancellationToken cancellationToken)
    {
        var shards = await kinesis.ListShardsAsync(stream, cancellationToken: cancellationToken);
        await Task.WhenAll(shards.Select(async shard =>
        {
            var iterator = await kinesis.GetShardIteratorAsync(stream, shard.ShardId, ShardIteratorType.Latest, cancellationToken: cancellationToken);
            try
            {
                while (iterator is not null && !cancellationToken.IsCancellationRequested)
                {
                    var page = await kinesis.GetRecordsAsync(iterator, cancellationToken: cancellationToken);
                    var now = DateTime.UtcNow.Ticks;
                    foreach (var record in page.Records)
                    {
                        var item = StateSerializer.Deserialize<VisibilityEvent>(record.Data);
                        if (!item.Key.StartsWith("warm-", StringComparison.Ordinal))
                        {
                            latencies.Record(now - item.PutAtTicks);
                        }
                    }

                    iterator = page.NextShardIterator;
                    await Task.Delay(200, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }));
    }
}
