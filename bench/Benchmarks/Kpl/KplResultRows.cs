using System.Globalization;
using BenchmarkDotNet.Reports;

namespace KinesisGrains.Benchmarks.Kpl;

/// <summary>Turns a run of <see cref="KplDeaggregationBenchmarks"/> into RESULTS.md rows: per user record, per core.</summary>
internal static class KplResultRows
{
    public static readonly (string Key, string Command) Reproduce =
        ("KPL rows", "dotnet run -c Release --project bench/Benchmarks -- --filter '*Kpl*'");

    private const string Measure = "KPL de-aggregation, user records/s/core (100 × 100 B aggregate)";

    public static IReadOnlyList<ResultRow> From(Summary summary)
    {
        var measured = new Dictionary<string, (double Nanoseconds, double Bytes)>();
        foreach (var report in summary.Reports)
        {
            if (report.BenchmarkCase.Descriptor.Type != typeof(KplDeaggregationBenchmarks) || report.ResultStatistics is null)
            {
                continue;
            }

            var bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0;
            measured[report.BenchmarkCase.Descriptor.WorkloadMethod.Name] = (report.ResultStatistics.Mean, bytes);
        }

        string[] needed = [nameof(KplDeaggregationBenchmarks.Ours), nameof(KplDeaggregationBenchmarks.OursWithShardRange),
            nameof(KplDeaggregationBenchmarks.GoogleProtobuf), nameof(KplDeaggregationBenchmarks.Md5Check), nameof(KplDeaggregationBenchmarks.Memcpy)];
        if (!needed.All(measured.ContainsKey))
        {
            // A partial run (another filter, or a failed case) must not overwrite rows with holes.
            return [];
        }

        var ours = measured[needed[0]];
        var withRange = measured[needed[1]];
        var protobuf = measured[needed[2]];
        var md5 = measured[needed[3]];
        var memcpy = measured[needed[4]];
        var on = MeasuredOn(summary);
        return
        [
            Rate($"{Measure} vs Google.Protobuf 3.25.1 CodedInputStream doing the same job incl. MD5", ours, protobuf, on),
            Allocation("KPL de-aggregation, allocated B/user record (100 × 100 B aggregate) vs Google.Protobuf 3.25.1", ours, protobuf, on),
            Rate($"{Measure} vs the MD5 check alone (the ceiling for a KCL-compatible reader)", ours, md5, on),
            Rate($"{Measure} vs a loop copying the same payload bytes", ours, memcpy, on),
            Rate($"{Measure} with the shard-range rule (MD5 of each key) vs ours without it", withRange, ours, on),
        ];
    }

    private static ResultRow Rate(string measure, (double Nanoseconds, double Bytes) ours, (double Nanoseconds, double Bytes) yardstick, string on)
    {
        var oursRate = PerSecond(ours.Nanoseconds);
        var yardstickRate = PerSecond(yardstick.Nanoseconds);
        return new(measure, FormatRate(oursRate), FormatRate(yardstickRate), Ratio(oursRate / yardstickRate), on);
    }

    private static ResultRow Allocation(string measure, (double Nanoseconds, double Bytes) ours, (double Nanoseconds, double Bytes) yardstick, string on)
    {
        var oursBytes = ours.Bytes / KplDeaggregationBenchmarks.RecordsPerAggregate;
        var yardstickBytes = yardstick.Bytes / KplDeaggregationBenchmarks.RecordsPerAggregate;
        return new(measure, $"{oursBytes.ToString("F1", CultureInfo.InvariantCulture)} B", $"{yardstickBytes.ToString("F1", CultureInfo.InvariantCulture)} B",
            yardstickBytes == 0 ? "n/a" : Ratio(oursBytes / yardstickBytes), on);
    }

    private static double PerSecond(double nanosecondsPerAggregate) => KplDeaggregationBenchmarks.RecordsPerAggregate * 1e9 / nanosecondsPerAggregate;

    private static string FormatRate(double perSecond) => $"{(perSecond / 1e6).ToString("F2", CultureInfo.InvariantCulture)} M/s";

    private static string Ratio(double ratio) => $"{ratio.ToString("F2", CultureInfo.InvariantCulture)}×";

    private static string MeasuredOn(Summary summary)
    {
        var host = summary.HostEnvironmentInfo;
        var cpu = host.Cpu.Value;
        var job = summary.BenchmarksCases.FirstOrDefault()?.Job.ResolvedId ?? "";
        // ".NET 10.0.12 (10.0.1226.42308)" → ".NET 10.0.12"
        var runtime = host.RuntimeVersion.Split(" (")[0];
        return $"{DateTime.UtcNow:yyyy-MM-dd}, {cpu?.ProcessorName?.Trim()} ({cpu?.LogicalCoreCount} cores), {runtime}, BenchmarkDotNet {job}";
    }
}
