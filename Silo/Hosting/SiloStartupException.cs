namespace KinesisGrains.Silo.Hosting;

/// <summary>The silo cannot start: the message says why and what to do; the exit code tells scripts which kind.</summary>
public sealed class SiloStartupException(string message, int exitCode, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>2 for invalid configuration, 3 for a missing or unreachable dependency.</summary>
    public int ExitCode { get; } = exitCode;

    public const int InvalidConfiguration = 2;
    public const int DependencyUnavailable = 3;
}
