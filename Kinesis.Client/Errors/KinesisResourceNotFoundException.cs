using System.Net;

namespace KinesisGrains.Kinesis.Client;

/// <summary>The stream, shard or consumer does not exist (also seen for a shard that expired past retention).</summary>
public sealed class KinesisResourceNotFoundException : KinesisException
{
    /// <summary>Made by the client from the service's error answer.</summary>
    public KinesisResourceNotFoundException(string operation, string errorCode, HttpStatusCode? statusCode, string? serviceMessage, Exception? innerException = null)
        : base(operation, errorCode, statusCode, serviceMessage, innerException)
    {
    }
}
