using Spectre.Console;
using Spectre.Console.Rendering;

namespace KinesisGrains.Cli.Output;

/// <summary>"8,250 records/s", from Spectre's recent samples of the task's value.</summary>
internal sealed class RateColumn(string unit) : ProgressColumn
{
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(task.Speed is { } speed ? $"{speed:N0} {unit}/s" : $"- {unit}/s", new Style(Color.Grey));
}
