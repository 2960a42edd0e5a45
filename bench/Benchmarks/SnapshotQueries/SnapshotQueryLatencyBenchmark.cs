using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using KinesisGrains.Benchmarks.Proxy;
using KinesisGrains.Benchmarks.Receiver;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Silo.Hosting;

using static KinesisGrains.Benchmarks.BenchArguments;

namespace KinesisGrains.Benchmarks.SnapshotQueries;

/// <summary>
/// How long a query waits while its partition snapshots. One silo hosted in this process (Localhost clustering) with
/// S3 snapshots on s3rver behind a <see cref="CountingProxy"/> that holds every S3 request for a fixed delay (a slow
/// S3, so that an upload takes about a second); K keys drained from a 4-shard kinesalite stream into P counter
/// partitions. Then, B times: a few thousand more records applied, and a checkpoint barrier triggered directly
/// (<c>Source.Checkpointer.CheckpointAsync</c>, the automatic interval is one hour) while queries for one key are sent
/// to its partition grain on a fixed schedule (open loop: one every few ms, whether or not the previous one returned,
/// so a partition that is busy shows up in every query sent meanwhile). Latencies of the queries sent during a barrier
/// are reported (p50, p99, max), beside those sent outside barriers. With <c>--baseline DIR</c>, the same benchmark
/// built in another checkout (the "before") runs as a child process in the same run.
/// </summary>
internal static class SnapshotQueryLatencyBenchmark
{
    private const int Shards = 4;
    private const int PutConcurrency = 8;

    // dotnet run -c Release --project bench/Benchmarks -- snapshot-queries [--keys 100000] [--partitions 4] [--barriers 5]
    //   [--changes 5000] [--s3-delay-ms 250] [--query-interval-ms 5] [--baseline DIR] [--json]
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new RunOptions(
            Option(args, "--keys", 100_000),
            Option(args, "--partitions", 4),
            Option(args, "--barriers", 5),
            Option(args, "--changes", 5_000),
            Option(args, "--s3-delay-ms", 250),
            Option(args, "--query-interval-ms", 5));
        var baseline = Text(args, "--baseline", "");
        if (args.Contains("--json"))
        {
            var result = await MeasureAsync(options);
            Console.WriteLine(JsonSerializer.Serialize(result));
            return 0;
        }

        var ours = await MeasureAsync(options);
        Print("after (ours)", ours);
        Measurement? before = null;
        if (baseline.Length > 0)
        {
            before = await RunBaselineAsync(baseline, args);
            Print("before (baseline)", before);
        }

        var measure = "query latency p99 while its partition snapshots: after (ours) vs before (yardstick)";
        var shape = $"1 silo, {options.Keys:N0} keys in {options.Partitions} partitions (~{options.Keys / options.Partitions:N0} per partition), S3 = s3rver behind a proxy holding each request {options.S3DelayMs} ms; " +
            $"{options.Barriers} barriers (Checkpointer.CheckpointAsync) each after {options.Changes:N0} more records; one query (GetAsync of one key) sent every {options.QueryIntervalMs} ms, open loop";
        var on = $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, shared and noisy";
        var row = new ResultRow(
            measure,
            $"{Describe(ours)} ({shape}; this checkout: the upload runs outside the partition's turn, AwaitDurableAsync interleaves)",
            before is null ? "not run (pass --baseline DIR)" : $"{Describe(before)} (f480eef, same run: the upload inside the partition's turn)",
            before is null ? "–" : (ours.DuringP99 / before.DuringP99).ToString("F3", CultureInfo.InvariantCulture),
            on);
        var command = "dotnet run -c Release --project bench/Benchmarks -- snapshot-queries --baseline DIR " +
            "(DIR: a checkout of the before commit with bench/Benchmarks/{Program.cs,Proxy,AtRest,SnapshotQueries} copied in and built with dotnet build -c Release bench/Benchmarks; " +
            "starts kinesalite, dynalite and s3rver)";
        var path = ResultsTable.Upsert([row], ("Query latency while snapshotting row", command));
        Console.WriteLine($"Updated {path}");
        return 0;
    }

    internal sealed record RunOptions(int Keys, int Partitions, int Barriers, int Changes, int S3DelayMs, int QueryIntervalMs);

    internal sealed record Measurement(
        int DuringCount,
        double DuringP50,
        double DuringP99,
        double DuringMax,
        int OutsideCount,
        double OutsideP50,
        double OutsideP99,
        double BarrierMedianSeconds,
        double BarrierMaxSeconds,
        double S3RequestsPerBarrier);

    private static string Describe(Measurement m) =>
        FormattableString.Invariant($"p99 {m.DuringP99:F1} ms (p50 {m.DuringP50:F1} ms, max {m.DuringMax:F0} ms; {m.DuringCount:N0} queries during barriers of {m.BarrierMedianSeconds:F2} s median, {m.BarrierMaxSeconds:F2} s max, {m.S3RequestsPerBarrier:F0} S3 requests each; outside barriers p50 {m.OutsideP50:F1} ms, p99 {m.OutsideP99:F1} ms)");

    private static void Print(string label, Measurement m) => Console.WriteLine($"{label}: {Describe(m)}");

    private static async Task<Measurement> MeasureAsync(RunOptions options)
    {
        using var emulators = LocalEmulators.Start("kinesalite", "dynalite", "s3rver");
        using var kinesis = new KinesisClient(new KinesisClientOptions { ServiceUrl = emulators.Kinesis, AccessKeyId = "local", SecretAccessKey = "local" });
        var stream = "snapq-" + Guid.NewGuid().ToString("N")[..8];
        await kinesis.CreateStreamAsync(stream, Shards);
        await kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30));
        await using var s3 = await CountingProxy.StartAsync(emulators.S3, TimeSpan.FromMilliseconds(options.S3DelayMs));

        var fill = Stopwatch.StartNew();
        await FillAsync(kinesis, stream, 0, options.Keys, options.Keys);
        Console.WriteLine($"  filled {stream} with {options.Keys:N0} records ({options.Keys:N0} keys) in {fill.Elapsed.TotalSeconds:F1} s");

        var data = Path.Combine(Path.GetTempPath(), "kgrains-snapq-" + stream);
        var settings = new Dictionary<string, string?>
        {
            ["Silo:ApplicationName"] = "app-" + stream,
            ["Silo:DataDirectory"] = data,
            ["Silo:HttpUrl"] = $"http://127.0.0.1:{FreePort()}",
            ["Silo:SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Silo:GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Kinesis:StreamName"] = stream,
            ["Kinesis:ServiceUrl"] = emulators.Kinesis.ToString(),
            ["Kinesis:AccessKeyId"] = "local",
            ["Kinesis:SecretAccessKey"] = "local",
            ["Kinesis:InitialPosition"] = "TRIM_HORIZON",
            ["Kinesis:CheckpointInterval"] = "01:00:00",
            ["DynamoDB:ServiceUrl"] = emulators.DynamoDB.ToString(),
            ["DynamoDB:AccessKeyId"] = "local",
            ["DynamoDB:SecretAccessKey"] = "local",
            ["Snapshots:Bucket"] = stream,
            ["Snapshots:ServiceUrl"] = s3.Endpoint.ToString(),
            ["Snapshots:AccessKeyId"] = "S3RVER",
            ["Snapshots:SecretAccessKey"] = "S3RVER",
            ["Snapshots:CreateBucketIfMissing"] = "true",
            ["Grains:PartitionCount"] = options.Partitions.ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        };

        try
        {
            var silo = await SiloHost.StartAsync([], s => s.ConsumeStream<ReceiverClick, ReceiverCounterPartitionGrain>(IReceiverCounterPartition.StreamNamespace), settings);
            await using (silo)
            {
                long expected = options.Keys;
                await WaitAppliedAsync(silo, expected);
                Console.WriteLine($"  {expected:N0} records applied");

                const string key = "user-0";
                var partition = silo.GrainFactory.GetPartitionOf<IReceiverCounterPartition>(key, options.Partitions);
                await partition.GetAsync(key);

                var latencies = new ConcurrentBag<(long SentAt, double Millis)>();
                var barriers = new List<(long Start, long End)>();
                using var stop = new CancellationTokenSource();
                var queries = QueryLoopAsync(partition, key, options.QueryIntervalMs, latencies, stop.Token);
                var s3Requests = new List<long>();
                for (var i = 0; i < options.Barriers; i++)
                {
                    // Changes since the previous barrier, so that each snapshot uploads something (the first: everything).
                    if (i > 0)
                    {
                        await FillAsync(kinesis, stream, (i * options.Changes) % options.Keys, options.Changes, options.Keys);
                        expected += options.Changes;
                        await WaitAppliedAsync(silo, expected);
                    }

                    await Task.Delay(500);
                    s3.TakeCounts();
                    var start = Stopwatch.GetTimestamp();
                    await silo.Source.Checkpointer.CheckpointAsync(CancellationToken.None);
                    var end = Stopwatch.GetTimestamp();
                    barriers.Add((start, end));
                    s3Requests.Add(s3.TakeCounts().Operations.Values.Sum());
                    Console.WriteLine($"  barrier {i + 1}: {Stopwatch.GetElapsedTime(start, end).TotalSeconds:F2} s, {s3Requests[^1]} S3 requests");
                    await Task.Delay(500);
                }

                await stop.CancelAsync();
                await queries;

                var during = new List<double>();
                var outside = new List<double>();
                foreach (var (sentAt, millis) in latencies)
                {
                    (barriers.Any(b => sentAt >= b.Start && sentAt <= b.End) ? during : outside).Add(millis);
                }

                during.Sort();
                outside.Sort();
                var durations = barriers.Select(b => Stopwatch.GetElapsedTime(b.Start, b.End).TotalSeconds).Order().ToList();
                return new Measurement(
                    during.Count,
                    Percentile(during, 0.50),
                    Percentile(during, 0.99),
                    during.Count > 0 ? during[^1] : double.NaN,
                    outside.Count,
                    Percentile(outside, 0.50),
                    Percentile(outside, 0.99),
                    durations[durations.Count / 2],
                    durations[^1],
                    s3Requests.Average());
            }
        }
        finally
        {
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>One query every <paramref name="intervalMs"/> ms on a fixed schedule, each timed from when it was sent.</summary>
    private static async Task QueryLoopAsync(IReceiverCounterPartition partition, string key, int intervalMs, ConcurrentBag<(long, double)> latencies, CancellationToken stop)
    {
        var inFlight = new List<Task>();
        var clock = Stopwatch.StartNew();
        var next = TimeSpan.Zero;
        while (!stop.IsCancellationRequested)
        {
            var wait = next - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            next += TimeSpan.FromMilliseconds(intervalMs);
            var sentAt = Stopwatch.GetTimestamp();
            inFlight.Add(Timed(partition.GetAsync(key), sentAt, latencies));
            inFlight.RemoveAll(t => t.IsCompleted);
        }

        await Task.WhenAll(inFlight);

        static async Task Timed(Task query, long sentAt, ConcurrentBag<(long, double)> latencies)
        {
            await query;
            latencies.Add((sentAt, Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds));
        }
    }

    private static async Task WaitAppliedAsync(SiloInstance silo, long expected)
    {
        var deadline = Stopwatch.StartNew();
        while (silo.Source.Progress.Sum(p => p.EventsApplied) < expected)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException($"{silo.Source.Progress.Sum(p => p.EventsApplied)} of {expected} records applied after 10 minutes.");
            }

            await Task.Delay(50);
        }
    }

    private static async Task FillAsync(KinesisClient kinesis, string stream, int firstKey, int records, int keys)
    {
        var start = DateTimeOffset.UtcNow;
        var batches = Enumerable.Range(0, (records + KinesisClient.MaxPutRecordsEntries - 1) / KinesisClient.MaxPutRecordsEntries);
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = PutConcurrency }, async (batch, cancellationToken) =>
        {
            var first = batch * KinesisClient.MaxPutRecordsEntries;
            var entries = new List<PutRecordsRequestEntry>();
            for (var i = first; i < Math.Min(first + KinesisClient.MaxPutRecordsEntries, records); i++)
            {
                var user = "user-" + ((firstKey + i) % keys).ToString(CultureInfo.InvariantCulture);
                var json = $"{{\"userId\":\"{user}\",\"type\":\"click\",\"bytes\":{512 + (i % 512)},\"timestamp\":\"{start.AddMilliseconds(i):O}\"}}";
                entries.Add(new PutRecordsRequestEntry(Encoding.UTF8.GetBytes(json), user));
            }

            while (entries.Count > 0)
            {
                var response = await kinesis.PutRecordsAsync(stream, entries, cancellationToken);
                if (response.FailedRecordCount == 0)
                {
                    break;
                }

                entries = entries.Where((_, index) => response.Records[index].ErrorCode is not null).ToList();
            }
        });
    }

    private static async Task<Measurement> RunBaselineAsync(string checkout, string[] args)
    {
        var dll = Path.Combine(Path.GetFullPath(checkout), "bench", "Benchmarks", "bin", "Release", "net10.0", "Benchmarks.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("snapshot-queries");
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--baseline")
            {
                i++;
                continue;
            }

            start.ArgumentList.Add(args[i]);
        }

        start.ArgumentList.Add("--json");
        Console.WriteLine($"Running the baseline: {dll}");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The baseline failed ({process.ExitCode}):\n{stdout}{await stderr}");
        }

        var lines = stdout.Trim().Split('\n');
        Console.Write(string.Join('\n', lines[..^1].Select(l => "  [before] " + l)) + "\n");
        return JsonSerializer.Deserialize<Measurement>(lines[^1])!;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
