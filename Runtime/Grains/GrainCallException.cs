namespace KinesisGrains.Runtime.Grains;

/// <summary>A grain call that could not be made or that the grain failed.</summary>
public sealed class GrainCallException : Exception
{
    public GrainCallException(string message)
        : base(message)
    {
    }

    public GrainCallException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
