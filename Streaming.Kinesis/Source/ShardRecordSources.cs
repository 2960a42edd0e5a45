using KinesisGrains.Streaming.Kinesis.Source.Buffering;
using KinesisGrains.Streaming.Kinesis.Source.EnhancedFanOut;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Streaming.Kinesis.Source;

/// <summary>Makes a shard's <see cref="IShardRecordSource"/> for the provider's <see cref="KinesisSourceOptions.ConsumerMode"/>.</summary>
internal static class ShardRecordSources
{
    public static IShardRecordSource Create(
        KinesisStreamContext context,
        string shardId,
        ShardProgress progress,
        ShardQueue queue,
        ILogger logger,
        string? afterSequenceNumber,
        Func<string, CancellationToken, Task>? beforeFirstRecord)
    {
        var options = context.Options.Source;
        return options.ConsumerMode switch
        {
            ConsumerMode.Efo => new ShardSubscriber(
                context.Kinesis,
                context.Consumer ?? throw new InvalidOperationException("Enhanced fan-out without a consumer registration."),
                options,
                shardId,
                queue,
                () => context.ShardOf(shardId).SequenceNumberRange.IsClosed,
                context.Time,
                logger,
                afterSequenceNumber,
                beforeFirstRecord),
            _ => new ShardFetcher(
                context.Kinesis, options, shardId, progress, queue, context.WorkerSlotOf(shardId), context.Time, logger, context.Monitor.Fetched, afterSequenceNumber, beforeFirstRecord),
        };
    }
}
