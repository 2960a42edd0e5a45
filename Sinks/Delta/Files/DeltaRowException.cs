namespace KinesisGrains.Sinks.Delta;

/// <summary>A row that does not fit its schema: a null in a non-nullable column, or a value of another type.</summary>
[GenerateSerializer]
internal sealed class DeltaRowException : Exception
{
    public DeltaRowException()
    {
    }

    public DeltaRowException(string message)
        : base(message)
    {
    }

    public DeltaRowException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
