using System.Net;

namespace KinesisGrains.Kinesis.Client;

/// <summary>A control-plane rate or quota was exceeded (shard limit, UpdateShardCount rules, consumers in CREATING).</summary>
public sealed class KinesisLimitExceededException : KinesisException
{
    public KinesisLimitExceededException(string operation, string errorCode, HttpStatusCode? statusCode, string? serviceMessage, Exception? innerException = null)
        : base(operation, errorCode, statusCode, serviceMessage, innerException)
    {
    }
}
