using System.Net;

namespace KinesisGrains.Kinesis.Client;

/// <summary>The request was invalid (<c>InvalidArgumentException</c>, or kinesalite's <c>ValidationException</c>).</summary>
public sealed class KinesisInvalidArgumentException : KinesisException
{
    /// <summary>Made by the client from the service's error answer.</summary>
    public KinesisInvalidArgumentException(string operation, string errorCode, HttpStatusCode? statusCode, string? serviceMessage, Exception? innerException = null)
        : base(operation, errorCode, statusCode, serviceMessage, innerException)
    {
    }
}
