namespace KinesisGrains.Sinks.Delta;

/// <summary>A table this writer must not touch: a protocol above reader 1 / writer 2, table features, `delta.invariants`, or column types sink rows cannot hold.</summary>
[GenerateSerializer]
internal sealed class DeltaTableUnsupportedException : Exception
{
    public DeltaTableUnsupportedException()
    {
    }

    public DeltaTableUnsupportedException(string message)
        : base(message)
    {
    }

    public DeltaTableUnsupportedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
