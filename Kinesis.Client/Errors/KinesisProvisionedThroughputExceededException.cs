using System.Net;

namespace KinesisGrains.Kinesis.Client;

/// <summary>A shard's read or write rate limit was exceeded: back off and retry. GetRecords returns no data with it.</summary>
public sealed class KinesisProvisionedThroughputExceededException : KinesisException
{
    /// <summary>Made by the client from the service's error answer.</summary>
    public KinesisProvisionedThroughputExceededException(string operation, string errorCode, HttpStatusCode? statusCode, string? serviceMessage, Exception? innerException = null)
        : base(operation, errorCode, statusCode, serviceMessage, innerException)
    {
    }
}
