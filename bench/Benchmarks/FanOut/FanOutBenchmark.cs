using System.Diagnostics;
using System.Globalization;
using KinesisGrains.Abstractions.Serialization;
using KinesisGrains.Benchmarks.Cluster;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Silo.Hosting;

namespace KinesisGrains.Benchmarks.FanOut;

/// <summary>
/// Two applications on one stream: two silos in this process, each its own application (lease table, checkpoints and,
/// with enhanced fan-out, consumer), read the same kinesis-local stream at once from TRIM_HORIZON, filled beforehand;
/// each application's rate runs from its first read to the last record its partition grains applied. Both with
/// enhanced fan-out, then both polling with the silo's default pacing, in the same run (interleaved over several).
/// </summary>
internal static class FanOutBenchmark
{
    private const string Efo = "Efo";
    private const string Polling = "Polling";
    private const int EfoWindowBytes = 16 * 1024 * 1024;

    private static readonly ReadLimit s_efoLimit = new(2.0, "of the 2 MB/s an EFO consumer gets on AWS");
    private static readonly ReadLimit s_pollingLimit = new(1.0, "of its MaxFetchRate 1 MB/s");

    // dotnet run -c Release --project bench/Benchmarks -- fan-out [--records 12000] [--record-bytes 1000] [--shards 2] [--runs 1]
    public static async Task<int> RunAsync(string[] args)
    {
        var records = BenchArguments.Option(args, "--records", 12_000);
        var recordBytes = BenchArguments.Option(args, "--record-bytes", 1_000);
        var shards = BenchArguments.Option(args, "--shards", 2);
        var runs = BenchArguments.Option(args, "--runs", 1);
        using var emulators = LocalEmulators.Start("kinesis-local", "dynalite");
        var kinesisLocal = emulators.KinesisLocal;
        using var kinesis = KinesisLocalSilos.Client(kinesisLocal);
        var stream = "fan-out-" + Guid.NewGuid().ToString("N")[..6];
        await BenchCluster.CreateStreamAsync(kinesis, stream, shards);
        var put = Stopwatch.StartNew();
        var dataBytes = await FillAsync(kinesis, stream, records, recordBytes);
        Console.WriteLine($"fan-out on kinesis-local: {records:N0} records of {dataBytes:N0} B put on {shards} shards in {put.Elapsed.TotalSeconds:F1} s; two applications read them at once, {runs} run(s) per mode");

        var measured = new Dictionary<string, List<PairRun>> { [Efo] = [], [Polling] = [] };
        for (var run = 0; run < runs; run++)
        {
            // Each run starts with the other mode, so neither always meets the emulator after the same thing.
            foreach (var mode in run % 2 == 0 ? new[] { Efo, Polling } : [Polling, Efo])
            {
                var pair = await MeasurePairAsync(emulators, kinesisLocal, stream, mode, run, records);
                measured[mode].Add(pair);
                Console.WriteLine($"  run {run + 1}, {mode}: {Describe([pair], shards, dataBytes, mode == Efo ? s_efoLimit : s_pollingLimit)}");
            }
        }

        var efo = ApplicationRates(measured[Efo]);
        var polling = ApplicationRates(measured[Polling]);
        var on = $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, shared and noisy";
        var runsText = runs > 1 ? $", median of {runs} runs each, interleaved" : "";
        var rows = new List<ResultRow>
        {
            new($"records/s per application, two applications reading one {shards}-shard kinesis-local stream at once (two silos in one process, each its own application: lease table, checkpoints, consumer), {records:N0} records of {dataBytes:N0} B put beforehand and read from TRIM_HORIZON, each application timed from its first read to the last record its partition grains applied, with enhanced fan-out (Kinesis:ConsumerMode=Efo; Kinesis:Http2StreamWindowSize 16 MiB, as kinesis-local stalls an event larger than the window) " +
                $"(vs the same two applications polling with the silo's defaults, MinFetchPeriod 400 ms and MaxFetchRate 1 MB/s per shard, same run{runsText}; " +
                "kinesis-local 0.6.2 enforces no read limit (by its source, GetRecords and SubscribeToShard are never throttled: no 5 GetRecords/s or 2 MB/s per shard, shared or not, and no 2 MB/s per EFO consumer and shard; each subscription gets up to 10,000 records once a second), so here neither application takes anything from the other and the rates are the emulator's: one node process that writes each GetRecords page and each subscription event as one JSON document; the cells say how much of the per-application limit each reached; " +
                "on AWS two polling applications share a shard's 2 MB/s and 5 calls/s (the defaults, 1 MB/s and 2.5 calls/s each, just fit two; a third would be throttled) while each EFO consumer gets 2 MB/s per shard of its own: 2.0× per application by arithmetic, not measured here)",
                Describe(measured[Efo], shards, dataBytes, s_efoLimit), Describe(measured[Polling], shards, dataBytes, s_pollingLimit), $"{efo.Average() / polling.Average():0.00}", on),
        };
        var command = $"dotnet run -c Release --project bench/Benchmarks -- fan-out --records {records} --record-bytes {recordBytes} --shards {shards} --runs {runs} (starts kinesis-local and dynalite with tools/emulators/emulators.sh; two silos in the benchmark's process per mode)";
        Console.WriteLine($"Updated {ResultsTable.Upsert(rows, ("Fan-out rows", command))}");
        return 0;
    }

    /// <summary>One application's reading: records/s from its first read to its last record applied, those seconds, and the seconds to its first record applied.</summary>
    private sealed record ApplicationRun(double Rate, double Seconds, double FirstApplied);

    /// <summary>What one application may read of a shard: an EFO consumer's own 2 MB/s on AWS; polling, its MaxFetchRate default.</summary>
    private sealed record ReadLimit(double MegabytesPerSecond, string Text);

    /// <summary>Both applications of one mode, and the cores the process (both silos) and the emulators used meanwhile.</summary>
    private sealed record PairRun(ApplicationRun[] Applications, double ProcessCores, double EmulatorCores);

    /// <summary>Each application's median rate over the runs.</summary>
    private static double[] ApplicationRates(List<PairRun> runs) =>
        [.. Enumerable.Range(0, 2).Select(i => Median([.. runs.Select(r => r.Applications[i].Rate)]))];

    private static double Median(double[] values)
    {
        Array.Sort(values);
        return values.Length % 2 == 1 ? values[values.Length / 2] : (values[(values.Length / 2) - 1] + values[values.Length / 2]) / 2;
    }

    /// <summary>"a 2,000/s (1.00 MB/s per shard, 100 % of its MaxFetchRate 1 MB/s; 20.0 s, the first record applied after 1.0 s), b …; process … cores, emulators … cores", medians over the runs.</summary>
    private static string Describe(List<PairRun> runs, int shards, int dataBytes, ReadLimit limit)
    {
        var applications = Enumerable.Range(0, 2).Select(i =>
        {
            var rate = Median([.. runs.Select(r => r.Applications[i].Rate)]);
            var seconds = Median([.. runs.Select(r => r.Applications[i].Seconds)]);
            var firstApplied = Median([.. runs.Select(r => r.Applications[i].FirstApplied)]);
            var perShard = rate * dataBytes / shards / 1_000_000;
            var share = (perShard / limit.MegabytesPerSecond).ToString("P0", CultureInfo.InvariantCulture);
            return $"{(char)('a' + i)} {rate.ToString("N0", CultureInfo.InvariantCulture)}/s ({perShard:F2} MB/s per shard, {share} {limit.Text}; {seconds:F1} s, the first record applied after {firstApplied:F1} s)";
        });
        var process = Median([.. runs.Select(r => r.ProcessCores)]);
        var emulators = Median([.. runs.Select(r => r.EmulatorCores)]);
        return $"{string.Join(", ", applications)}; the silos' process {process:F1} cores, the emulators {emulators:F1} cores";
    }

    /// <summary>
    /// Puts <paramref name="records"/> records of about <paramref name="recordBytes"/> bytes over 1,000 keys (every
    /// shard gets its share), in PutRecords calls of up to 500 records and 4 MB, 4 at a time; failed entries are put
    /// again. Returns the size of one record's data.
    /// </summary>
    private static async Task<int> FillAsync(KinesisClient kinesis, string stream, int records, int recordBytes)
    {
        static byte[] Record(int i, string padding) =>
            StateSerializer.Serialize(new FanOutEvent("key-" + (i % 1000).ToString("D3", CultureInfo.InvariantCulture), padding));

        var padding = new string('x', Math.Max(0, recordBytes - Record(0, "").Length));
        var perCall = Math.Clamp(4_000_000 / Math.Max(1, recordBytes), 1, 500);
        var calls = (records + perCall - 1) / perCall;
        await Parallel.ForEachAsync(Enumerable.Range(0, calls), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (call, cancellationToken) =>
        {
            var first = call * perCall;
            List<PutRecordsRequestEntry> pending =
            [
                .. Enumerable.Range(first, Math.Min(perCall, records - first))
                    .Select(i => new PutRecordsRequestEntry(Record(i, padding), "key-" + (i % 1000).ToString("D3", CultureInfo.InvariantCulture))),
            ];
            while (pending.Count > 0)
            {
                var response = await kinesis.PutRecordsAsync(stream, pending, cancellationToken);
                pending = [.. pending.Where((_, i) => !response.Records[i].IsSuccess)];
            }
        });
        return Record(0, padding).Length;
    }

    /// <summary>Starts one silo each of two new applications in <paramref name="mode"/> and waits until both applied every record.</summary>
    private static async Task<PairRun> MeasurePairAsync(LocalEmulators emulators, Uri kinesisLocal, string stream, string mode, int run, int records)
    {
        var id = Guid.NewGuid().ToString("N")[..6];
        string[] applications = [.. new[] { "a", "b" }.Select(name => $"fan-out-{mode.ToLowerInvariant()}-{run + 1}-{name}-{id}")];
        string[] data = [.. applications.Select(_ => KinesisLocalSilos.NewDataDirectory("fan-out"))];
        var tallies = applications.Select(ApplicationTally.Of).ToArray();
        var started = new List<SiloInstance>();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var emulatorCpu = emulators.CpuSeconds();
        var wall = Stopwatch.StartNew();
        try
        {
            var starting = applications.Select((application, i) =>
            {
                var settings = KinesisLocalSilos.Settings(kinesisLocal, emulators.DynamoDB, application, stream, mode, data[i]);
                settings["Kinesis:InitialPosition"] = "TRIM_HORIZON";
                if (mode == Efo)
                {
                    // kinesis-local stalls an event larger than the HTTP/2 window, and catching up it sends up to 10,000 records an event.
                    settings["Kinesis:Http2StreamWindowSize"] = EfoWindowBytes.ToString(CultureInfo.InvariantCulture);
                }

                return SiloHost.StartAsync([], s => s.ConsumeStream<FanOutEvent, FanOutPartitionGrain>(IFanOutPartition.StreamNamespace), settings);
            }).ToList();
            try
            {
                await Task.WhenAll(starting);
            }
            finally
            {
                // Whatever started is stopped below, even when the other silo failed to start.
                started.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }

            var progress = Stopwatch.StartNew();
            var applied = 0L;
            while (tallies.Any(t => t.Count < records))
            {
                if (tallies.Sum(t => t.Count) is var now && now != applied)
                {
                    applied = now;
                    progress.Restart();
                }

                if (progress.Elapsed > TimeSpan.FromSeconds(90) || wall.Elapsed > TimeSpan.FromMinutes(10))
                {
                    throw new TimeoutException($"{mode}: {string.Join(" and ", tallies.Select(t => t.Count))} of {records} records applied after {wall.Elapsed.TotalSeconds:F0} s, none in the last {progress.Elapsed.TotalSeconds:F0} s.");
                }

                await Task.Delay(100);
            }

            var seconds = wall.Elapsed.TotalSeconds;
            var processCores = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds / seconds;
            var emulatorCores = (emulators.CpuSeconds() - emulatorCpu) / seconds;
            var runs = started.Select((silo, i) =>
            {
                var firstRead = silo.Source.Progress.Where(p => p.ReadingSince is not null).Min(p => p.ReadingSince!.Value);
                var reading = (tallies[i].LastAppliedAt - firstRead).TotalSeconds;
                return new ApplicationRun(records / reading, reading, (tallies[i].FirstAppliedAt - firstRead).TotalSeconds);
            });
            return new PairRun([.. runs], processCores, emulatorCores);
        }
        finally
        {
            await Task.WhenAll(started.Select(s => s.DisposeAsync().AsTask()));
            foreach (var directory in data)
            {
                KinesisLocalSilos.DeleteData(directory);
            }
        }
    }
}
