using System.Net;

namespace KinesisGrains.Kinesis.Client;

/// <summary>The shard iterator is older than five minutes: get a new one (AFTER_SEQUENCE_NUMBER of the last processed record).</summary>
public sealed class KinesisExpiredIteratorException : KinesisException
{
    /// <summary>Made by the client from the service's error answer.</summary>
    public KinesisExpiredIteratorException(string operation, string errorCode, HttpStatusCode? statusCode, string? serviceMessage, Exception? innerException = null)
        : base(operation, errorCode, statusCode, serviceMessage, innerException)
    {
    }
}
