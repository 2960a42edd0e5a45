using KinesisGrains.Cli;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>A failure no command expects (a bug) still ends in one line on stderr and a non-zero exit, never a stack trace.</summary>
public sealed class UnexpectedErrorTests
{
    [Fact]
    public async Task An_unexpected_exception_is_one_kgrains_line_and_exit_code_1()
    {
        using var stderr = new StringWriter();

        // Help writes to stdout; a writer that throws what no command handles stands in for a bug.
        var exitCode = await KgrainsCli.RunAsync(["--help"], new FailingWriter(), stderr);

        Assert.Equal(ExitCodes.RuntimeError, exitCode);
        Assert.Equal("kgrains: this writer fails.", Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
    }

    private sealed class FailingWriter : StringWriter
    {
        public override void Write(char value) => throw new NotSupportedException("this writer fails.");

        public override void Write(string? value) => throw new NotSupportedException("this writer fails.");

        public override void Write(char[] buffer, int index, int count) => throw new NotSupportedException("this writer fails.");
    }
}
