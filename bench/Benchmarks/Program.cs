using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using KinesisGrains.Benchmarks;
using KinesisGrains.Benchmarks.Kpl;
using KinesisGrains.Benchmarks.Snapshots;
using KinesisGrains.Benchmarks.State;

// dotnet run -c Release --project bench/Benchmarks -- state [--keys N --events N ...]   (own timing, C yardstick built with gcc)
// dotnet run -c Release --project bench/Benchmarks -- --filter '*Kpl*'                  (BenchmarkDotNet)
if (args.Length > 0 && args[0] == "state")
{
    return await StateHotPathBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "receiver")
{
    return await ReceiverBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "cluster")
{
    return await KinesisGrains.Benchmarks.Cluster.ClusterBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "dynamodb-at-rest")
{
    return await KinesisGrains.Benchmarks.AtRest.DynamoDBAtRestBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "snapshot-queries")
{
    return await KinesisGrains.Benchmarks.SnapshotQueries.SnapshotQueryLatencyBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "delta-sink")
{
    return await KinesisGrains.Benchmarks.Delta.DeltaSinkBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "views")
{
    return await KinesisGrains.Benchmarks.Views.ViewsBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "event-time")
{
    return await KinesisGrains.Benchmarks.EventTime.EventTimeBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "visibility")
{
    return await KinesisGrains.Benchmarks.Visibility.VisibilityBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "fan-out")
{
    return await KinesisGrains.Benchmarks.FanOut.FanOutBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "rescale")
{
    return await KinesisGrains.Benchmarks.Rescale.RescaleBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "snapshots")
{
    return await SnapshotBenchmark.RunAsync(args[1..]);
}

// Artifacts under bin/ (ignored by git) rather than in whatever folder the command ran from.
var artifacts = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "BenchmarkDotNet.Artifacts"));
var summaries = BenchmarkSwitcher.FromAssembly(typeof(KplDeaggregationBenchmarks).Assembly)
    .Run(args, DefaultConfig.Instance.WithArtifactsPath(artifacts));
foreach (var summary in summaries)
{
    var rows = KplResultRows.From(summary);
    if (rows.Count > 0)
    {
        var path = ResultsTable.Upsert(rows, KplResultRows.Reproduce);
        Console.WriteLine($"Updated {path}");
    }
}

return 0;
