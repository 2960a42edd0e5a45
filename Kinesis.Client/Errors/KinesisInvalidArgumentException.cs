using System.Net;

namespace KinesisGrains.Kinesis.Client;

/// <summary>The request was invalid (<c>InvalidArgumentException</c>, or kinesalite's <c>ValidationException</c>).</summary>
public sealed class KinesisInvalidArgumentException : KinesisException
{
    public KinesisInvalidArgumentException(string operation, string errorCode, HttpStatusCode? statusCode, string? serviceMessage, Exception? innerException = null)
        : base(operation, errorCode, statusCode, serviceMessage, innerException)
    {
    }
}
