namespace KinesisGrains.Cli;

/// <summary>What <c>kgrains</c> returns: scripts tell a bad command line from a failure of the environment.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Kinesis, the silo, S3, DynamoDB or a file failed us (or <c>delta</c> found no table at the path), a wait timed out, or <c>verify</c> found mismatches.</summary>
    public const int RuntimeError = 1;

    /// <summary>
    /// The command line (or an environment variable standing in for a flag) is wrong, or asks for what is refused without
    /// <c>--force</c> (<c>delta vacuum</c> with a retention below 7 days); nothing was done.
    /// </summary>
    public const int UsageError = 2;

    /// <summary>Ctrl+C: the shell's convention, 128 + SIGINT.</summary>
    public const int Interrupted = 130;
}
