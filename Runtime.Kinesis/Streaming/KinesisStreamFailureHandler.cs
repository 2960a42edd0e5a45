using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace KinesisGrains.Kinesis.Streaming;

/// <summary>
/// Logs a container Orleans gave up delivering. Partition grains dead-letter bad events themselves and never throw,
/// so this only sees infrastructure failures; the subscription is kept (the next containers still flow).
/// </summary>
public sealed partial class KinesisStreamFailureHandler(ILogger logger, string shardId) : IStreamFailureHandler
{
    public bool ShouldFaultSubsriptionOnError => false;

    public Task OnDeliveryFailure(GuidId subscriptionId, string streamProviderName, StreamId streamIdentity, StreamSequenceToken? sequenceToken)
    {
        LogDeliveryFailed(logger, streamProviderName, shardId, streamIdentity.ToString(), sequenceToken?.ToString() ?? "?");
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
