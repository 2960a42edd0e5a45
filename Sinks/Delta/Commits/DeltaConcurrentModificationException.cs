namespace KinesisGrains.Sinks.Delta;

/// <summary>A commit that lost a race to a change it cannot be put on top of: the table's metaData or protocol changed, or a file it removes was removed by another writer.</summary>
[GenerateSerializer]
internal sealed class DeltaConcurrentModificationException : Exception
{
    public DeltaConcurrentModificationException()
    {
    }

    public DeltaConcurrentModificationException(string message)
        : base(message)
    {
    }

    public DeltaConcurrentModificationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
