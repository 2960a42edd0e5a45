using Spectre.Console;
using Spectre.Console.Rendering;

namespace KinesisGrains.Cli.Output;

/// <summary>"12,500/100,000": done and total, in records rather than Spectre's percent.</summary>
internal sealed class CountColumn : ProgressColumn
{
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text($"{task.Value:N0}/{task.MaxValue:N0}");
}
