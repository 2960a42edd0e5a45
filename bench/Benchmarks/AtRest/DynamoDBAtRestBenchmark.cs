using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Net;
using System.Text.Json;
using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Benchmarks.Proxy;
using KinesisGrains.Benchmarks.Receiver;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Silo.Hosting;
using KinesisGrains.Streaming.Kinesis.Source;

using static KinesisGrains.Benchmarks.BenchArguments;

namespace KinesisGrains.Benchmarks.AtRest;

/// <summary>
/// What one idle silo costs in DynamoDB requests: a silo hosted in this process on kinesalite + dynalite (+ s3rver for
/// its snapshots), a 4-shard stream with no records, its DynamoDB endpoint routed through a <see cref="CountingProxy"/>.
/// After start-up and a warm-up, the requests of a window are counted by operation (<c>X-Amz-Target</c>) and table.
/// The yardstick is the KCL 2.x's lease traffic for the same shape, by arithmetic (not measured). With
/// <c>--baseline DIR</c>, the same benchmark built in another checkout (the "before") runs as a child process in the
/// same run and its figure goes into the row's text.
/// </summary>
internal static class DynamoDBAtRestBenchmark
{
    private const int Shards = 4;

    // KCL 2.x defaults (LeaseManagementConfig failoverTimeMillis, epsilonMillis; DynamoDBLeaseCoordinator intervals).
    private const double KclFailoverMillis = 10_000;
    private const double KclEpsilonMillis = 25;

    // dotnet run -c Release --project bench/Benchmarks -- dynamodb-at-rest [--seconds 60] [--warmup 20] [--clustering DynamoDB|Localhost] [--baseline DIR] [--json]
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = Option(args, "--seconds", 60);
        var warmup = Option(args, "--warmup", 20);
        var clustering = Text(args, "--clustering", "DynamoDB");
        var baseline = Text(args, "--baseline", "");
        var json = args.Contains("--json");

        var ours = await MeasureAsync(seconds, warmup, clustering);
        if (json)
        {
            // For a run of this benchmark in another checkout (--baseline): the last line is read back.
            Console.WriteLine(JsonSerializer.Serialize(ours));
            return 0;
        }

        Measurement? before = null;
        if (baseline.Length > 0)
        {
            before = await RunBaselineAsync(baseline, seconds, warmup, clustering);
        }

        var renewMillis = KclFailoverMillis / 3 - KclEpsilonMillis;
        var takeMillis = (KclFailoverMillis + KclEpsilonMillis) * 2;
        var kclUpdates = Shards * 60_000 / renewMillis;
        var kclScans = 60_000 / takeMillis;
        var kclTotal = kclUpdates + kclScans;

        Console.WriteLine($"ours ({clustering} clustering): {ours.Total:F1} DynamoDB requests/min: {Describe(ours.Operations)}");
        Console.WriteLine($"  by table: {Describe(ours.Tables)}");
        if (before is not null)
        {
            Console.WriteLine($"before ({baseline}): {before.Total:F1} requests/min: {Describe(before.Operations)}");
            Console.WriteLine($"  by table: {Describe(before.Tables)}");
        }

        Console.WriteLine($"KCL 2.x by arithmetic: {kclUpdates:F1} UpdateItem + {kclScans:F1} Scan = {kclTotal:F1}/min");

        var measure = $"DynamoDB requests per silo per minute at rest ({Shards} shards, 1 silo): ours by operation vs KCL 2.x by arithmetic";
        var oursText = $"{Fmt(ours.Total)}/min: {Describe(ours.Operations)} ({clustering} clustering with S3 snapshots, silo defaults; counted through a proxy by X-Amz-Target over {seconds} s after start-up + {warmup} s; by table: {Describe(ours.Tables)})";
        if (clustering != "Localhost")
        {
            oursText += "; where from, by the silo defaults: Scan = the shard sync lists the lease table once every Kinesis:ShardFetchInterval (1 s) = 60 (before issue 13: twice, 120; 258 requests/min in all); " +
                "lease-table UpdateItem = 4 renewals every LeaseFailoverTime/3 (3.33 s) = 72; membership GetItem + Query = Orleans' table refresh every TableRefreshTimeout (2 s) = 30 + 30, " +
                "UpdateItem = IAmAlive every IAmAliveTablePublishTimeout (5 s) = 12; the checkpointer writes nothing while no records flow";
        }

        if (before is not null)
        {
            oursText += $"; before (f480eef, same run): {Fmt(before.Total)}/min: {Describe(before.Operations)}";
        }

        var yardstick = $"{Fmt(kclTotal)}/min, not measured: 4 leases × 60 s ÷ {renewMillis:F0} ms (renewer every failoverTimeMillis/3 − epsilonMillis = 10,000/3 − 25) = {Fmt(kclUpdates)} UpdateItem " +
            $"+ 60 s ÷ {takeMillis:F0} ms (taker every (failoverTimeMillis + epsilonMillis) × 2) = {Fmt(kclScans)} Scan (the whole table); " +
            "shard sync is ListShards (Kinesis, not counted); the periodic shard-sync auditor's lease listing (about every 2 min) not counted";
        var on = $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, shared and noisy";
        var row = new ResultRow(measure, oursText, yardstick, (ours.Total / kclTotal).ToString("F2", CultureInfo.InvariantCulture), on);
        var command = "dotnet run -c Release --project bench/Benchmarks -- dynamodb-at-rest --seconds 60 " +
            "[--baseline DIR: a checkout of the before commit with bench/Benchmarks/{Program.cs,Proxy,AtRest,SnapshotQueries} copied in and built with dotnet build -c Release bench/Benchmarks] " +
            "(starts kinesalite, dynalite and s3rver)";
        var path = ResultsTable.Upsert([row], ("DynamoDB at rest row", command));
        Console.WriteLine($"Updated {path}");
        return 0;
    }

    internal sealed record Measurement(double Seconds, Dictionary<string, double> Operations, Dictionary<string, double> Tables)
    {
        public double Total => Operations.Values.Sum();
    }

    private static async Task<Measurement> MeasureAsync(int seconds, int warmup, string clustering)
    {
        var dynamoDb = clustering == "Localhost" ? new[] { "kinesalite", "dynalite" } : ["kinesalite", "dynalite", "s3rver"];
        using var emulators = LocalEmulators.Start(dynamoDb);
        using var kinesis = new KinesisClient(new KinesisClientOptions { ServiceUrl = emulators.Kinesis, AccessKeyId = "local", SecretAccessKey = "local" });
        var stream = "atrest-" + Guid.NewGuid().ToString("N")[..8];
        await kinesis.CreateStreamAsync(stream, Shards);
        await kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30));

        await using var proxy = await CountingProxy.StartAsync(emulators.DynamoDB, readTableNames: true);
        var data = Path.Combine(Path.GetTempPath(), "kgrains-atrest-" + stream);
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
            ["DynamoDB:ServiceUrl"] = proxy.Endpoint.ToString(),
            ["DynamoDB:AccessKeyId"] = "local",
            ["DynamoDB:SecretAccessKey"] = "local",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (clustering != "Localhost")
        {
            settings["Silo:ClusterId"] = "c-" + stream;
            settings["Silo:Clustering"] = "DynamoDB";
            settings["Silo:MembershipTableName"] = "silos-" + stream;
            settings["Snapshots:Bucket"] = stream;
            settings["Snapshots:ServiceUrl"] = emulators.S3.ToString();
            settings["Snapshots:AccessKeyId"] = "S3RVER";
            settings["Snapshots:SecretAccessKey"] = "S3RVER";
            settings["Snapshots:CreateBucketIfMissing"] = "true";
        }

        try
        {
            var clock = Stopwatch.StartNew();
            var silo = await SiloHost.StartAsync([], s => s.ConsumeStream<ReceiverClick, ReceiverCounterPartitionGrain>(IReceiverCounterPartition.StreamNamespace), settings);
            await using (silo)
            {
                while (silo.Source.Progress.Count(p => p.State == ShardReceiverState.Reading) < Shards)
                {
                    if (clock.Elapsed > TimeSpan.FromMinutes(2))
                    {
                        throw new TimeoutException("The silo did not read all 4 shards within 2 minutes.");
                    }

                    await Task.Delay(100);
                }

                var startup = proxy.TakeCounts();
                Console.WriteLine($"  silo reading {Shards} shards after {clock.Elapsed.TotalSeconds:F1} s; start-up DynamoDB requests: {Describe(startup.Operations.ToDictionary(p => p.Key, p => (double)p.Value))}");
                await Task.Delay(TimeSpan.FromSeconds(warmup));
                proxy.TakeCounts();
                var window = Stopwatch.StartNew();
                await Task.Delay(TimeSpan.FromSeconds(seconds));
                var (operations, tables) = proxy.TakeCounts();
                var elapsed = window.Elapsed.TotalSeconds;
                var perMinute = 60 / elapsed;
                return new Measurement(
                    elapsed,
                    operations.ToDictionary(p => p.Key, p => p.Value * perMinute),
                    tables.ToDictionary(p => Anonymous(p.Key, stream), p => p.Value * perMinute));
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

    private static async Task<Measurement> RunBaselineAsync(string checkout, int seconds, int warmup, string clustering)
    {
        var dll = Path.Combine(Path.GetFullPath(checkout), "bench", "Benchmarks", "bin", "Release", "net10.0", "Benchmarks.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        foreach (var arg in new[] { dll, "dynamodb-at-rest", "--seconds", seconds.ToString(CultureInfo.InvariantCulture), "--warmup", warmup.ToString(CultureInfo.InvariantCulture), "--clustering", clustering, "--json" })
        {
            start.ArgumentList.Add(arg);
        }

        Console.WriteLine($"Running the baseline: {dll}");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The baseline failed ({process.ExitCode}):\n{stdout}{await stderr}");
        }

        Console.Write(string.Join('\n', stdout.Trim().Split('\n')[..^1].Select(l => "  [before] " + l)) + "\n");
        return JsonSerializer.Deserialize<Measurement>(stdout.Trim().Split('\n')[^1])!;
    }

    private static string Anonymous(string key, string stream) => key.Replace("app-" + stream, "{app}", StringComparison.Ordinal).Replace(stream, "{stream}", StringComparison.Ordinal);

    private static string Describe(IReadOnlyDictionary<string, double> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {Fmt(p.Value)}"));

    private static string Fmt(double value) => value.ToString(value >= 10 ? "F0" : "F1", CultureInfo.InvariantCulture);
}
