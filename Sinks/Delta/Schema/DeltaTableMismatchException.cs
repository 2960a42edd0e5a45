namespace KinesisGrains.Sinks.Delta;

/// <summary>The table exists with another schema or other partition columns than the sink's rows.</summary>
[GenerateSerializer]
internal sealed class DeltaTableMismatchException : Exception
{
    public DeltaTableMismatchException()
    {
    }

    public DeltaTableMismatchException(string message)
        : base(message)
    {
    }

    public DeltaTableMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
