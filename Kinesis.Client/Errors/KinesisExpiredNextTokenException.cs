using System.Net;

namespace KinesisGrains.Kinesis.Client;

/// <summary>A ListShards or ListStreamConsumers pagination token is older than five minutes: list again from the start.</summary>
public sealed class KinesisExpiredNextTokenException : KinesisException
{
    /// <summary>Made by the client from the service's error answer.</summary>
    public KinesisExpiredNextTokenException(string operation, string errorCode, HttpStatusCode? statusCode, string? serviceMessage, Exception? innerException = null)
        : base(operation, errorCode, statusCode, serviceMessage, innerException)
    {
    }
}
