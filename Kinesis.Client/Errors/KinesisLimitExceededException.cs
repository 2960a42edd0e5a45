using System.Net;

namespace KinesisGrains.Kinesis.Client;

/// <summary>A control-plane rate or quota was exceeded (shard limit, UpdateShardCount rules, consumers in CREATING).</summary>
public sealed class KinesisLimitExceededException : KinesisException
{
    /// <summary>Made by the client from the service's error answer.</summary>
    public KinesisLimitExceededException(string operation, string errorCode, HttpStatusCode? statusCode, string? serviceMessage, Exception? innerException = null)
        : base(operation, errorCode, statusCode, serviceMessage, innerException)
    {
    }
}
