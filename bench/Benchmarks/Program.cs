using BenchmarkDotNet.Running;
using KinesisGrains.Benchmarks;
using KinesisGrains.Benchmarks.Kpl;

// dotnet run -c Release --project bench/Benchmarks -- --filter '*Kpl*'
var summaries = BenchmarkSwitcher.FromAssembly(typeof(KplDeaggregationBenchmarks).Assembly).Run(args);
foreach (var summary in summaries)
{
    var rows = KplResultRows.From(summary);
    if (rows.Count > 0)
    {
        var path = ResultsTable.Upsert(rows, KplResultRows.Reproduce);
        Console.WriteLine($"Updated {path}");
    }
}
