using System.Diagnostics;
using Amazon.S3.Model;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Benchmarks.State;
using KinesisGrains.Sinks.Delta;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;

namespace KinesisGrains.Benchmarks.Delta;

/// <summary>
/// The Delta sink end to end: barriers of <c>--partitions</c> epoch batches handed to <see cref="DeltaSink"/> at once
/// (as partition grains hand them over once a barrier is durable), on an in-process silo whose committer grain group-commits
/// them to a table on s3rver through the DynamoDB log store on dynalite. Interleaved barrier by barrier with the
/// yardsticks: Parquet.Net writing the same rows to a local file, and one S3 PutObject of as many bytes.
/// </summary>
internal static class DeltaSinkBenchmark
{
    private const string SinkName = "page-views";

    // dotnet run -c Release --project bench/Benchmarks -- delta-sink [--epochs 100] [--rows 1000] [--partitions 16] [--warm-up 5] [--phases 20]
    public static async Task<int> RunAsync(string[] args)
    {
        var epochs = BenchArguments.Option(args, "--epochs", 100);
        var rowsPerBatch = BenchArguments.Option(args, "--rows", 1_000);
        var partitions = BenchArguments.Option(args, "--partitions", 16);
        var warmUp = BenchArguments.Option(args, "--warm-up", 5);
        var phaseBarriers = BenchArguments.Option(args, "--phases", 20);
        var root = Path.Combine(Path.GetTempPath(), "kgrains-delta-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            using var emulators = LocalEmulators.Start("s3rver", "dynalite");
            await BenchDeltaSinks.CreateBucketAsync(emulators);
            using var s3 = BenchDeltaSinks.S3(emulators);
            var settings = new OrleansRunSettings(partitions, Queues: 1, RecordsPerRead: 1_000, CacheSize: 64, MaxKeysInMemoryPerPartition: 1_000);
            var silo = await BenchSilo.StartAsync(settings, Path.Combine(root, "state"), null, s =>
                s.Services.AddDeltaSink(SinkName, BenchDeltaSinks.Options(emulators, SinkName, PageViewRows.StateName, SinkOutputKind.Emitted)));
            await using (silo)
            {
                var sink = silo.Services.GetRequiredKeyedService<IRowSink>(SinkName);
                var runtime = silo.Services.GetRequiredKeyedService<DeltaSinkRuntime>(SinkName);
                var rows = new PageViewRows(partitions, rowsPerBatch);
                var yardstick = await ParquetYardstick.CreateAsync(Path.Combine(root, "yardstick.parquet"));
                var ours = new List<double>();
                var parquet = new List<double>();
                var puts = new List<double>();
                double oursCpu = 0, parquetCpu = 0, oursGc = 0, oursEmulatorCpu = 0;
                long checkpoints = 0;
                // Initialized first: inside the callback, its instruments would be published while its fields are still null.
                System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(DeltaMetrics).TypeHandle);
                using var listener = new System.Diagnostics.Metrics.MeterListener();
                listener.InstrumentPublished = (instrument, l) =>
                {
                    if (ReferenceEquals(instrument, DeltaMetrics.Checkpoints))
                    {
                        l.EnableMeasurementEvents(instrument);
                    }
                };
                listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref checkpoints, value));
                listener.Start();
                long? firstVersion = null, lastVersion = null;
                Console.WriteLine($"Delta sink: {partitions} partitions × {epochs} epochs × {rowsPerBatch:N0} rows ({warmUp} warm-up barriers first), s3rver + DynamoDB log store on dynalite");
                for (var epoch = 1; epoch <= warmUp + epochs; epoch++)
                {
                    var (typed, batches) = rows.Epoch(epoch);
                    double oursSeconds = 0, parquetSeconds = 0, oursCpuSeconds = 0, parquetCpuSeconds = 0, oursGcSeconds = 0, oursEmulatorSeconds = 0;
                    long bytes = 0;

                    async Task OursAsync()
                    {
                        Quiesce();
                        var cpu = Cpu();
                        var paused = GC.GetTotalPauseDuration();
                        var emulatorCpu = emulators.CpuSeconds();
                        var started = Stopwatch.GetTimestamp();
                        // Each from a thread-pool turn of its own, as each partition grain hands its batch over from its own activation.
                        var results = await Task.WhenAll(batches.Select(b => Task.Run(() => sink.CommitAsync(b, CancellationToken.None))));
                        oursSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                        oursCpuSeconds = Cpu() - cpu;
                        oursGcSeconds = (GC.GetTotalPauseDuration() - paused).TotalSeconds;
                        oursEmulatorSeconds = emulators.CpuSeconds() - emulatorCpu;
                        if (results.Any(r => r.AlreadyCommitted || r.RowsWritten != rowsPerBatch))
                        {
                            throw new InvalidOperationException($"Barrier {epoch}: a partition's epoch was skipped or short.");
                        }

                        if (epoch == warmUp + 1)
                        {
                            firstVersion = results.Min(r => r.Version);
                        }

                        lastVersion = results.Max(r => r.Version);
                    }

                    async Task ParquetAsync()
                    {
                        Quiesce();
                        var cpu = Cpu();
                        var started = Stopwatch.GetTimestamp();
                        bytes = await yardstick.WriteAsync(typed);
                        parquetSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                        parquetCpuSeconds = Cpu() - cpu;
                    }

                    // Alternating which goes first, so neither always runs after the other's garbage.
                    if (epoch % 2 == 0)
                    {
                        await OursAsync();
                        await ParquetAsync();
                    }
                    else
                    {
                        await ParquetAsync();
                        await OursAsync();
                    }

                    Quiesce();
                    var putSeconds = await PutAsync(s3, $"yardstick/barrier-{epoch}", bytes);
                    if (epoch == warmUp)
                    {
                        Interlocked.Exchange(ref checkpoints, 0);
                    }

                    if (epoch > warmUp)
                    {
                        oursGc += oursGcSeconds;
                        oursEmulatorCpu += oursEmulatorSeconds;
                        ours.Add(oursSeconds);
                        parquet.Add(parquetSeconds);
                        puts.Add(putSeconds);
                        oursCpu += oursCpuSeconds;
                        parquetCpu += parquetCpuSeconds;
                    }

                    if (epoch % 10 == 0)
                    {
                        Console.WriteLine($"barrier {epoch}: ours {oursSeconds * 1000:F0} ms, Parquet.Net {parquetSeconds * 1000:F0} ms ({bytes:N0} B), PutObject {putSeconds * 1000:F0} ms");
                    }
                }

                var timedCheckpoints = Interlocked.Read(ref checkpoints);
                var closing = Stopwatch.GetTimestamp();
                await yardstick.DisposeAsync();
                var closeSeconds = Stopwatch.GetElapsedTime(closing).TotalSeconds;
                var fileBytes = new FileInfo(Path.Combine(root, "yardstick.parquet")).Length;

                var table = await runtime.OpenTable(null).RefreshAsync(CancellationToken.None);
                var dataBytes = table.Files.Values.Sum(f => f.Size);
                var versions = (lastVersion ?? 0) - (firstVersion ?? 0) + 1;
                var totalRows = (long)epochs * partitions * rowsPerBatch;
                var oursTotal = ours.Sum();
                var parquetTotal = parquet.Sum() + closeSeconds;
                var oursRate = totalRows / oursTotal;
                var parquetRate = totalRows / parquetTotal;
                Console.WriteLine($"ours: {oursRate:N0} rows/s ({oursTotal:F2} s, {oursCpu:F2} CPU s in this process, GC pauses {oursGc:F2} s, s3rver and dynalite {oursEmulatorCpu:F2} CPU s, {timedCheckpoints} checkpoints; {table.Files.Count:N0} files, {dataBytes:N0} B; versions {firstVersion}..{lastVersion})");
                Console.WriteLine($"Parquet.Net: {parquetRate:N0} rows/s ({parquetTotal:F2} s, {parquetCpu:F2} CPU s; {fileBytes:N0} B)");
                Console.WriteLine($"barrier: median {Percentile(ours, 50) * 1000:F0} ms, p99 {Percentile(ours, 99) * 1000:F0} ms; PutObject of the barrier's bytes: median {Percentile(puts, 50) * 1000:F0} ms, p99 {Percentile(puts, 99) * 1000:F0} ms");

                var phases = phaseBarriers > 0 ? await PhasesAsync(runtime, s3, rows, warmUp + epochs + 1, phaseBarriers) : "not measured (--phases 0)";
                Console.WriteLine($"phases (median of {phaseBarriers} barriers, outside the sink): {phases}");

                var on = $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, shared and noisy";
                var shape = $"{partitions} partitions × {epochs} epochs × {rowsPerBatch:N0} rows";
                var resultRows = new List<ResultRow>
                {
                    new(
                        $"rows/s into the Delta sink end to end, {shape} (3 strings, 3 longs, a timestamp and a 3-entry map) " +
                        "(ours: DeltaSink.CommitAsync of a barrier's partitions at once, each from a thread-pool turn of its own as partition grains call it, from the rows' JSON as partitions stage them: " +
                        "decode, Parquet (Snappy), one file per partition-epoch uploaded to s3rver, group commit through the committer grain with the DynamoDB log store on dynalite, a checkpoint every 10 versions; " +
                        "counted: the sum of the barriers' times, each from its first CommitAsync to its last commit returned, s3rver's and dynalite's work included; " +
                        "not counted: making the rows and their JSON, staging in RocksDB, a full GC before each timed step) " +
                        "(vs Parquet.Net 6.1.0's plain ParquetWriter writing the same rows from typed objects, same Parquet schema, Snappy, to one local file, a row group per partition-epoch, " +
                        "footer included; interleaved barrier by barrier in the same run, goal ≥ 0.8×)",
                        $"{oursRate:N0} rows/s ({oursTotal:F2} s; {oursCpu:F1} CPU s in the silo's process, GC pauses {oursGc:F1} s; s3rver and dynalite {oursEmulatorCpu:F1} CPU s; {table.Files.Count:N0} files, {dataBytes / 1048576.0:F1} MiB; {versions} versions and {timedCheckpoints} checkpoints for {epochs} barriers)",
                        $"{parquetRate:N0} rows/s ({parquetTotal:F2} s; {parquetCpu:F1} CPU s; {fileBytes / 1048576.0:F1} MiB)",
                        $"{oursRate / parquetRate:0.00}",
                        on),
                    new(
                        $"commit latency per epoch: one barrier's commits of all {partitions} partitions ({rowsPerBatch:N0} rows each) through DeltaSink and the committer grain's group commit " +
                        $"(s3rver, DynamoDB log store on dynalite), median and p99 over {epochs} barriers " +
                        "(vs one S3 PutObject to s3rver of as many bytes as Parquet.Net made of the barrier's rows, right after each barrier, median and p99)",
                        $"median {Percentile(ours, 50) * 1000:F0} ms, p99 {Percentile(ours, 99) * 1000:F0} ms (where, outside the sink, median of {phaseBarriers} barriers: {phases})",
                        $"median {Percentile(puts, 50) * 1000:F0} ms, p99 {Percentile(puts, 99) * 1000:F0} ms ({fileBytes / (double)epochs / 1024:F0} KiB)",
                        $"{Percentile(ours, 50) / Percentile(puts, 50):0.0} (median)",
                        on),
                };
                var command = $"dotnet run -c Release --project bench/Benchmarks -- delta-sink --epochs {epochs} --rows {rowsPerBatch} --partitions {partitions} --warm-up {warmUp} --phases {phaseBarriers} " +
                    "(starts s3rver and dynalite with tools/emulators/emulators.sh; writes the yardstick file under the temp folder)";
                var path = ResultsTable.Upsert(resultRows, ("Delta sink rows", command));
                Console.WriteLine($"Updated {path}");
            }

            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// Where a barrier's time goes (wall and this process's CPU), by doing the sink's steps one at a time on the same
    /// table (another writer: the benchmark itself): every partition's data files written at once (decode, encode,
    /// upload), then one commit of all their parts; and the uploads alone (a PutObject of a file's size per partition, at
    /// once), and decode + encode alone (a storage that drops the bytes).
    /// </summary>
    private static async Task<string> PhasesAsync(DeltaSinkRuntime runtime, Amazon.S3.IAmazonS3 s3, PageViewRows rows, int firstEpoch, int barriers)
    {
        var definition = DeltaTableDefinition.For(PageViewRows.Schema, []);
        var table = runtime.OpenTable(definition);
        var writes = new List<(double Wall, double Cpu)>();
        var commits = new List<(double Wall, double Cpu)>();
        var uploads = new List<(double Wall, double Cpu)>();
        var encodes = new List<(double Wall, double Cpu)>();
        for (var epoch = firstEpoch; epoch < firstEpoch + barriers; epoch++)
        {
            var (_, batches) = rows.Epoch(epoch);
            IReadOnlyList<DeltaAddFile>[] adds = [];
            Quiesce();
            writes.Add(await TimeAsync(async () => adds = await Task.WhenAll(batches.Select(b => Task.Run(() => runtime.FileWriter(definition).WriteAsync(b.Rows, CancellationToken.None))))));
            Quiesce();
            commits.Add(await TimeAsync(() => table.CommitAsync([.. batches.Select((b, i) => new DeltaTxnPart($"phases/{b.Partition}", epoch, adds[i]))], CancellationToken.None)));
            var size = adds[0].Sum(a => a.Size);
            Quiesce();
            uploads.Add(await TimeAsync(() => Task.WhenAll(batches.Select(b => Task.Run(() => PutAsync(s3, $"yardstick/phase-{epoch}-{b.Partition}", size))))));

            // Decode and encode alone: the same writer on a storage that drops the bytes, one batch after another.
            Quiesce();
            encodes.Add(await TimeAsync(async () =>
            {
                foreach (var batch in batches)
                {
                    await NullStorage.FileWriter(definition).WriteAsync(batch.Rows, CancellationToken.None);
                }
            }));
        }

        return $"data files of the {rows.Partitions} partitions written at once {Ms(writes)} (the {rows.Partitions} uploads alone {Ms(uploads)}; " +
            $"JSON decode + stats + Parquet encode of the {rows.Partitions} batches one after another, no upload, {Ms(encodes)}), " +
            $"then one commit of the {rows.Partitions} parts {Ms(commits)}";
    }

    private static async Task<(double Wall, double Cpu)> TimeAsync(Func<Task> step)
    {
        var cpu = Cpu();
        var started = Stopwatch.GetTimestamp();
        await step();
        return (Stopwatch.GetElapsedTime(started).TotalSeconds, Cpu() - cpu);
    }

    private static string Ms(List<(double Wall, double Cpu)> steps) =>
        $"{Percentile([.. steps.Select(s => s.Wall)], 50) * 1000:F0} ms ({Percentile([.. steps.Select(s => s.Cpu)], 50) * 1000:F0} ms CPU)";

    private static Task<double> PutAsync(Amazon.S3.IAmazonS3 s3, string key, long bytes)
    {
        // Grown before any concurrent use (the barriers' puts come first, and are the largest).
        if (s_payload.Length < bytes)
        {
            s_payload = new byte[bytes * 2];
            new Random(17).NextBytes(s_payload);
        }

        return PutAsync(s3, key, (int)bytes);
    }

    private static async Task<double> PutAsync(Amazon.S3.IAmazonS3 s3, string key, int length)
    {
        using var body = new MemoryStream(s_payload, 0, length, writable: false);
        var started = Stopwatch.GetTimestamp();
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = BenchDeltaSinks.Bucket, Key = key, InputStream = body, UseChunkEncoding = false });
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>
    /// A full collection before each timed step, outside it: the garbage of making the rows and of the other steps is
    /// not collected on the timed step's clock. Each step's own garbage still is.
    /// </summary>
    private static void Quiesce()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    // The yardstick PutObjects' bytes (random, so nothing compresses them), made once.
    private static byte[] s_payload = [];

    private static double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>Nearest rank.</summary>
    internal static double Percentile(IReadOnlyList<double> values, double percent)
    {
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
