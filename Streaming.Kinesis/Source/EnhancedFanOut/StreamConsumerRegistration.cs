using KinesisGrains.Kinesis.Client;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Streaming.Kinesis.Source.EnhancedFanOut;

/// <summary>
/// The enhanced fan-out consumer of a silo's stream provider, found once and shared by its shards' subscribers: the
/// configured ARN as is, else the consumer of the configured name (the application's by default), registered when
/// the stream has none, and waited for until ACTIVE (the KCL's way: describe by name, register on not found, describe
/// again when a racing silo registered it first). Never deregistered here: that is an operator's command.
/// </summary>
internal sealed partial class StreamConsumerRegistration(KinesisClient kinesis, KinesisSourceOptions options, string applicationName, ILogger logger)
{
    private readonly Lock _lock = new();
    private Task<string>? _arn;

    /// <summary>The consumer's name: the configured one, else the application's.</summary>
    public string ConsumerName => string.IsNullOrEmpty(options.ConsumerName) ? applicationName : options.ConsumerName;

    /// <summary>The consumer's ARN, resolved on first use; a failed resolution is tried again by the next caller.</summary>
    public Task<string> ArnAsync(CancellationToken cancellationToken)
    {
        Task<string> arn;
        lock (_lock)
        {
            if (_arn is null || _arn.IsFaulted || _arn.IsCanceled)
            {
                // Not the caller's token: one shard's reader stopping must not fail the others waiting on the same call.
                _arn = ResolveAsync();
            }

            arn = _arn;
        }

        return arn.WaitAsync(cancellationToken);
    }

    private async Task<string> ResolveAsync()
    {
        if (!string.IsNullOrEmpty(options.ConsumerArn))
        {
            LogConfigured(logger, options.ConsumerArn);
            return options.ConsumerArn;
        }

        using var timeout = new CancellationTokenSource(options.ConsumerRegistrationTimeout);
        var name = ConsumerName;
        var streamArn = (await kinesis.DescribeStreamSummaryAsync(options.StreamName, timeout.Token)).StreamArn;
        StreamConsumer consumer;
        try
        {
            consumer = await kinesis.DescribeStreamConsumerAsync(streamArn, name, timeout.Token);
        }
        catch (KinesisResourceNotFoundException)
        {
            try
            {
                consumer = await kinesis.RegisterStreamConsumerAsync(streamArn, name, timeout.Token);
                LogRegistered(logger, name, options.StreamName, consumer.ConsumerArn);
            }
            catch (KinesisResourceInUseException)
            {
                // Another silo registered it in between.
                consumer = await kinesis.DescribeStreamConsumerAsync(streamArn, name, timeout.Token);
            }
        }

        if (consumer.Status != ConsumerStatus.Active)
        {
            consumer = await kinesis.WaitForConsumerActiveAsync(consumer.ConsumerArn, options.ConsumerRegistrationTimeout, timeout.Token);
        }

        LogActive(logger, name, consumer.ConsumerArn);
        return consumer.ConsumerArn;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Enhanced fan-out: consumer {ConsumerArn} (Kinesis:ConsumerArn), used as is")]
    private static partial void LogConfigured(ILogger logger, string consumerArn);

    [LoggerMessage(Level = LogLevel.Information, Message = "Enhanced fan-out: registered consumer {ConsumerName} on stream {StreamName} ({ConsumerArn}); it stays until `kgrains consumer deregister`")]
    private static partial void LogRegistered(ILogger logger, string consumerName, string streamName, string consumerArn);

    [LoggerMessage(Level = LogLevel.Information, Message = "Enhanced fan-out: consumer {ConsumerName} is ACTIVE ({ConsumerArn})")]
    private static partial void LogActive(ILogger logger, string consumerName, string consumerArn);
}
