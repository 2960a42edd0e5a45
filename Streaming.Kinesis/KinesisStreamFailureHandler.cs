using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace KinesisGrains.Streaming.Kinesis;

/// <summary>
/// A container Orleans gave up delivering (a partition grain that kept failing, e.g. its batch failed and was
/// discarded, or it could not activate): logged, and counted done for the shard's read so the read can complete; the
/// partition does not hold it, so the next barrier finds the gap and the shard is replayed to it. The subscription
/// is kept (the next containers still flow).
/// </summary>
internal sealed partial class KinesisStreamFailureHandler(ILogger logger, string shardId, Action<KinesisSequenceToken>? failed = null) : IStreamFailureHandler
{
    public bool ShouldFaultSubsriptionOnError => false;

    public Task OnDeliveryFailure(GuidId subscriptionId, string streamProviderName, StreamId streamIdentity, StreamSequenceToken? sequenceToken)
    {
        LogDeliveryFailed(logger, streamProviderName, shardId, streamIdentity.ToString(), sequenceToken?.ToString() ?? "?");
        if (sequenceToken is KinesisSequenceToken token)
        {
            failed?.Invoke(token);
        }

        return Task.CompletedTask;
    }

    public Task OnSubscriptionFailure(GuidId subscriptionId, string streamProviderName, StreamId streamIdentity, StreamSequenceToken? sequenceToken)
    {
        LogSubscriptionFailed(logger, streamProviderName, streamIdentity.ToString());
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Stream provider {Provider}: delivery of {Token} of shard {ShardId} to {Stream} failed for good")]
    private static partial void LogDeliveryFailed(ILogger logger, string provider, string shardId, string stream, string token);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stream provider {Provider}: subscription to {Stream} failed")]
    private static partial void LogSubscriptionFailed(ILogger logger, string provider, string stream);
}
