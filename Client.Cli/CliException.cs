namespace KinesisGrains.Cli;

/// <summary>An error the user can act on: printed as its one-sentence message, without a stack trace.</summary>
public sealed class CliException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(ExitCodes.UsageError, message);

    public static CliException Runtime(string message, Exception? inner = null) => new(ExitCodes.RuntimeError, message, inner);
}
