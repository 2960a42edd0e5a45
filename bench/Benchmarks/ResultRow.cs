namespace KinesisGrains.Benchmarks;

/// <summary>One row of bench/RESULTS.md; <see cref="Measure"/> is its key, so a re-run replaces it.</summary>
internal sealed record ResultRow(string Measure, string Ours, string Yardstick, string Ratio, string MeasuredOn)
{
    public string ToMarkdown() => $"| {Measure} | {Ours} | {Yardstick} | {Ratio} | {MeasuredOn} |";
}
