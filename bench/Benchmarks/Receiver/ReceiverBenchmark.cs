using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using KinesisGrains.Benchmarks.Receiver;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Silo.Hosting;

// In the namespace Program.cs already imports, so its "receiver" branch needs no extra using.
namespace KinesisGrains.Benchmarks;

/// <summary>
/// Drains one pre-filled kinesalite stream twice: with a plain GetRecords loop on the AWS SDK for JavaScript v3
/// (bench/receiver-js/drain.js, the yardstick) and with an Orleans silo hosted in this process (the Kinesis stream
/// provider, its receivers and lease table, keyed-state partition grains counting clicks per user in RocksDB).
/// Reports records/s and CPU seconds of both.
/// </summary>
internal static class ReceiverBenchmark
{
    private const int Shards = 4;
    private const int PutConcurrency = 8;
    private const int Partitions = 16;

    // dotnet run -c Release --project bench/Benchmarks -- receiver [--records N] [--keys N] [--shards-per-task N]
    public static async Task<int> RunAsync(string[] args)
    {
        var records = IntOption(args, "--records", 200_000);
        var keys = IntOption(args, "--keys", 10_000);
        // 1: a fetch loop per shard, as the JS loop has (the silo's default, 5, keeps one fetch in flight for all 4 shards).
        var shardsPerTask = IntOption(args, "--shards-per-task", 1);
        var root = RepositoryRoot.Path;
        var drainScript = Path.Combine(root, "bench", "receiver-js", "drain.js");
        if (!Directory.Exists(Path.Combine(root, "bench", "receiver-js", "node_modules", "@aws-sdk", "client-kinesis")))
        {
            await Console.Error.WriteLineAsync("error: run `npm ci` in bench/receiver-js first (it installs @aws-sdk/client-kinesis).");
            return 2;
        }

        using var emulators = LocalEmulators.Start("kinesalite", "dynalite");
        using var kinesis = new KinesisClient(new KinesisClientOptions { ServiceUrl = emulators.Kinesis, AccessKeyId = "local", SecretAccessKey = "local" });
        var stream = "receiver-bench-" + Guid.NewGuid().ToString("N")[..8];
        await kinesis.CreateStreamAsync(stream, Shards);
        await kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30));

        Console.WriteLine($"Filling {stream} ({Shards} shards on kinesalite) with {records:N0} records over {keys:N0} keys...");
        var fill = Stopwatch.StartNew();
        await FillAsync(kinesis, stream, records, keys);
        Console.WriteLine($"  filled in {fill.Elapsed.TotalSeconds:F1} s");

        var (jsRecords, jsSeconds, sdkVersion, jsCpuSeconds) = await RunDrainJsAsync(drainScript, emulators.Kinesis, stream, records);
        var jsRate = jsRecords / jsSeconds;
        Console.WriteLine($"@aws-sdk/client-kinesis {sdkVersion} GetRecords loop: {jsRecords:N0} records in {jsSeconds:F2} s = {jsRate:N0} records/s (node CPU {jsCpuSeconds:F2} s)");

        var (oursSeconds, applied, oursCpuSeconds) = await RunSiloAsync(emulators, stream, records, keys, shardsPerTask);
        var oursRate = records / oursSeconds;
        Console.WriteLine($"Orleans silo, counter partition grains: {records:N0} records in {oursSeconds:F2} s = {oursRate:N0} records/s ({applied:N0} events applied, process CPU {oursCpuSeconds:F2} s)");

        var ratio = oursRate / jsRate;
        Console.WriteLine($"ratio {ratio:F2} (target >= 0.9)");

        var measure = $"drain {records / 1000}k records from a {Shards}-shard kinesalite stream through an Orleans silo into {Partitions} counter partition grains (RocksDB)" +
            $" (Kinesis:ShardsPerTask {shardsPerTask})" + ", records/s and CPU seconds " +
            $"(vs @aws-sdk/client-kinesis {sdkVersion} plain GetRecords loop; ours keeps Kinesis' limits per shard, MinFetchPeriod 200 ms and MaxFetchRate 2 MB/s, the loop has none; " +
            "timed from ready to read: the loop after node loaded the SDK, ours after the silo started; shard listing, leases and grain activation are counted, until every record is read and every shard caught up)";
        var on = $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, shared and noisy";
        var row = new ResultRow(
            measure,
            $"{oursRate.ToString("N0", CultureInfo.InvariantCulture)} ({oursCpuSeconds.ToString("F1", CultureInfo.InvariantCulture)} CPU s, the whole silo process)",
            $"{jsRate.ToString("N0", CultureInfo.InvariantCulture)} ({jsCpuSeconds.ToString("F1", CultureInfo.InvariantCulture)} CPU s, node)",
            ratio.ToString("F2", CultureInfo.InvariantCulture),
            on);
        var command = "dotnet run -c Release --project bench/Benchmarks -- receiver" + (records == 200_000 && keys == 10_000 ? "" : $" --records {records} --keys {keys}") +
            (shardsPerTask != 1 ? $" --shards-per-task {shardsPerTask}" : "") +
            " (after npm ci in bench/receiver-js)";
        var path = ResultsTable.Upsert([row], ($"Receiver row, ShardsPerTask {shardsPerTask}", command));
        Console.WriteLine($"Updated {path}");
        return applied == records ? 0 : 1;
    }

    private static async Task FillAsync(KinesisClient kinesis, string stream, int records, int keys)
    {
        var start = DateTimeOffset.UtcNow;
        var batches = Enumerable.Range(0, (records + KinesisClient.MaxPutRecordsEntries - 1) / KinesisClient.MaxPutRecordsEntries);
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = PutConcurrency }, async (batch, cancellationToken) =>
        {
            var first = batch * KinesisClient.MaxPutRecordsEntries;
            var entries = new List<PutRecordsRequestEntry>();
            for (var i = first; i < Math.Min(first + KinesisClient.MaxPutRecordsEntries, records); i++)
            {
                var user = "user-" + (i % keys).ToString(CultureInfo.InvariantCulture);
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

    private static async Task<(long Records, double Seconds, string Sdk, double CpuSeconds)> RunDrainJsAsync(string script, Uri endpoint, string stream, int records)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { script, endpoint.ToString(), stream, records.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"drain.js failed ({process.ExitCode}):\n{stdout}{await stderr}");
        }

        using var result = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        return (
            result.RootElement.GetProperty("records").GetInt64(),
            result.RootElement.GetProperty("seconds").GetDouble(),
            result.RootElement.GetProperty("sdk").GetString()!,
            result.RootElement.GetProperty("cpuSeconds").GetDouble());
    }

    private static async Task<(double Seconds, long Applied, double CpuSeconds)> RunSiloAsync(LocalEmulators emulators, string stream, int records, int keys, int shardsPerTask)
    {
        var data = Path.Combine(Path.GetTempPath(), "kgrains-receiver-silo-" + Guid.NewGuid().ToString("N")[..8]);

        // As tests/EndToEnd.Tests/LocalCluster.cs, on the production defaults otherwise (checkpoint interval, caches).
        var settings = new Dictionary<string, string?>
        {
            ["Silo:ApplicationName"] = "receiver-bench-" + Guid.NewGuid().ToString("N")[..8],
            ["Silo:DataDirectory"] = data,
            ["Silo:HttpUrl"] = "http://127.0.0.1:0",
            ["Silo:SiloPort"] = "0",
            ["Silo:GatewayPort"] = "0",
            ["Kinesis:StreamName"] = stream,
            ["Kinesis:ServiceUrl"] = emulators.Kinesis.ToString(),
            ["Kinesis:AccessKeyId"] = "local",
            ["Kinesis:SecretAccessKey"] = "local",
            ["Kinesis:InitialPosition"] = "TRIM_HORIZON",
            ["Kinesis:MinFetchPeriod"] = "00:00:00.200",

            // The per-shard read limit Kinesis enforces (the default, 1.0, is Databricks' cautious share of it).
            ["Kinesis:MaxFetchRate"] = "2.0",
            ["Kinesis:ShardsPerTask"] = shardsPerTask.ToString(CultureInfo.InvariantCulture),
            ["DynamoDB:ServiceUrl"] = emulators.DynamoDB.ToString(),
            ["DynamoDB:AccessKeyId"] = "local",
            ["DynamoDB:SecretAccessKey"] = "local",
            ["Grains:PartitionCount"] = Partitions.ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        };

        try
        {
            var clock = Stopwatch.StartNew();
            var silo = await SiloHost.StartAsync([], s => s.ConsumeStream<ReceiverClick, ReceiverCounterPartitionGrain>(IReceiverCounterPartition.StreamNamespace), settings);
            await using (silo)
            {
                // The silo's source takes its leases and lists the shards after this point, as the loop does after node started.
                Console.WriteLine($"  silo started in {clock.Elapsed.TotalSeconds:F2} s (web host, Orleans, stream and lease table checks; not counted)");
                clock.Restart();
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var deadline = TimeSpan.FromMinutes(10);
                var nextReport = TimeSpan.FromSeconds(1);
                TimeSpan? firstDelivered = null;
                while (!(silo.Source.IsCaughtUp && silo.Source.Progress.Sum(p => p.RecordsRead) >= records))
                {
                    if (firstDelivered is null && silo.Source.Progress.Sum(p => p.RecordsRead) > 0)
                    {
                        firstDelivered = clock.Elapsed;
                        Console.WriteLine($"  first records delivered after {firstDelivered.Value.TotalSeconds:F2} s (leases, shard listing, receivers starting, first fetch)");
                    }

                    if (clock.Elapsed > nextReport)
                    {
                        Console.WriteLine($"  {clock.Elapsed.TotalSeconds:F0} s: {silo.Source.Progress.Sum(p => p.RecordsRead):N0} records read and delivered");
                        nextReport += TimeSpan.FromSeconds(1);
                    }

                    if (clock.Elapsed > deadline)
                    {
                        var shards = string.Join("; ", silo.Source.Progress.Select(p => $"{p.ShardId} {p.State} read {p.RecordsRead} caught up {p.CaughtUp} error {p.LastError}"));
                        throw new TimeoutException($"The silo did not read and catch up with {records} records in {deadline}: {shards}");
                    }

                    await Task.Delay(10);
                }

                var seconds = clock.Elapsed.TotalSeconds;
                var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;

                // Check the counters: EventsApplied over the shards, and a few users asked through their partition grains.
                var applied = silo.Source.Progress.Sum(p => p.EventsApplied);
                foreach (var key in new[] { 0, keys / 2, keys - 1 })
                {
                    var user = "user-" + key.ToString(CultureInfo.InvariantCulture);
                    var expected = records / keys + (key < records % keys ? 1 : 0);
                    var state = await silo.GrainFactory.GetPartitionOf<IReceiverCounterPartition>(user, Partitions).GetAsync(user);
                    if ((state?.Count ?? 0) != expected)
                    {
                        throw new InvalidOperationException($"User {user} counted {state?.Count ?? 0} clicks, expected {expected}.");
                    }
                }

                if (applied != records)
                {
                    await Console.Error.WriteLineAsync($"error: {applied} events applied, expected {records}");
                }

                return (seconds, applied, cpuSeconds);
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

    private static int IntOption(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
