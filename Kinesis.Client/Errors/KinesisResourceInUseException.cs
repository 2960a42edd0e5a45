using System.Net;

namespace KinesisGrains.Kinesis.Client;

/// <summary>The resource is busy, e.g. the stream is not ACTIVE during a split or merge, or already exists.</summary>
public sealed class KinesisResourceInUseException : KinesisException
{
    /// <summary>Made by the client from the service's error answer.</summary>
    public KinesisResourceInUseException(string operation, string errorCode, HttpStatusCode? statusCode, string? serviceMessage, Exception? innerException = null)
        : base(operation, errorCode, statusCode, serviceMessage, innerException)
    {
    }
}
