namespace KinesisGrains.Sinks.Delta;

/// <summary>A commit, checkpoint or `_last_checkpoint` file that cannot be read as Delta says it must be.</summary>
[GenerateSerializer]
internal sealed class DeltaLogCorruptException : Exception
{
    public DeltaLogCorruptException()
    {
    }

    public DeltaLogCorruptException(string message)
        : base(message)
    {
    }

    public DeltaLogCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
