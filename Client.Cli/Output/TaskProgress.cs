using Spectre.Console;

namespace KinesisGrains.Cli.Output;

/// <summary>Sets a Spectre task's value from a producer's progress reports (any thread).</summary>
internal sealed class TaskProgress(ProgressTask task) : IProgress<long>
{
    public void Report(long value) => task.Value = value;
}
