using Spectre.Console;
using Spectre.Console.Rendering;

namespace KinesisGrains.Cli.Output;

/// <summary>"12,500/100,000": done and total, in records rather than Spectre's percent.</summary>
internal sealed class CountColumn : ProgressColumn
{
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text($"{task.Value:N0}/{task.MaxValue:N0}");
}

/// <summary>"8,250 records/s", from Spectre's recent samples of the task's value.</summary>
internal sealed class RateColumn(string unit) : ProgressColumn
{
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(task.Speed is { } speed ? $"{speed:N0} {unit}/s" : $"- {unit}/s", new Style(Color.Grey));
}

/// <summary>Sets a Spectre task's value from a producer's progress reports (any thread).</summary>
internal sealed class TaskProgress(ProgressTask task) : IProgress<long>
{
    public void Report(long value) => task.Value = value;
}
