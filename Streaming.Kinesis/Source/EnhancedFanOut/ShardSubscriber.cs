using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Diagnostics;
using KinesisGrains.Streaming.Kinesis.Source.Buffering;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Streaming.Kinesis.Source.EnhancedFanOut;

/// <summary>
/// Reads one shard by enhanced fan-out into the fetch buffer: SubscribeToShard, each event a page in the shard's queue,
/// subscribed again after the last continuation when a subscription ends (every five minutes) or fails. Back-pressure:
/// the next event is read only once the last one is in the queue and the queue is fresh, so a full buffer leaves the
/// HTTP/2 response unread and flow control holds the server back.
/// </summary>
/// <remarks>
/// Calls keep Kinesis' pace: at least a second apart per shard, and a growing, jittered back-off after
/// ResourceInUse (another subscription of the consumer to the shard is still live) or a failure. Records at or before
/// the last one queued are dropped, so a server that starts a renewal too early cannot double them.
/// </remarks>
internal sealed partial class ShardSubscriber(
    KinesisClient kinesis,
    StreamConsumerRegistration consumer,
    KinesisSourceOptions options,
    string shardId,
    ShardQueue queue,
    Func<bool> shardClosed,
    TimeProvider time,
    ILogger logger,
    string? startAfterSequenceNumber = null,
    Func<string, CancellationToken, Task>? beforeFirstRecord = null) : IShardRecordSource
{
    /// <summary>Kinesis allows one SubscribeToShard call per second per consumer and shard.</summary>
    internal static readonly TimeSpan MinSubscribeInterval = TimeSpan.FromSeconds(1);

    /// <summary>The longest back-off; on AWS a call 5 s after a live subscription's start takes it over.</summary>
    internal static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    // kinesis-local never sends a shard's end over a subscription: a closed shard's end is checked by GetRecords, this often at most.
    private static readonly TimeSpan s_shardEndProbeInterval = TimeSpan.FromSeconds(5);

    private string? _lastFetchedSequenceNumber = startAfterSequenceNumber;
    private StartingPosition _position = new(ShardIteratorType.Latest);
    private int _setbacks;
    private bool _continued;
    private long _lastSubscribeAt = long.MinValue;
    private long _lastProbeAt = long.MinValue;
    private int _subscriptions;

    /// <summary>Renews a subscription after this long instead of waiting for the service to end it (tests: renewals in seconds).</summary>
    internal TimeSpan? RenewAfter { get; init; }

    public string? LastFetchedSequenceNumber => Volatile.Read(ref _lastFetchedSequenceNumber);

    /// <summary>Subscriptions opened by this reader.</summary>
    internal int Subscriptions => Volatile.Read(ref _subscriptions);

    /// <summary>ResourceInUse answers retried by this reader.</summary>
    internal int ResourceInUseRetries { get; private set; }

    public async Task RunAsync(Func<string?, CancellationToken, Task<StartingPosition>> startAt, CancellationToken cancellationToken)
    {
        var consumerArn = await consumer.ArnAsync(cancellationToken);
        while (true)
        {
            if (!_continued)
            {
                // Asked again after a failure before the first continuation: a start at LATEST must not move on to a
                // new LATEST (rule 8), and the receiver knows what to give instead.
                _position = await startAt(_lastFetchedSequenceNumber, cancellationToken);
            }

            await WaitToSubscribeAsync(cancellationToken);
            TimeSpan delay;
            try
            {
                _lastSubscribeAt = time.GetTimestamp();
                await using (var subscription = await kinesis.SubscribeToShardAsync(consumerArn, shardId, _position, cancellationToken))
                {
                    if (await PumpAsync(subscription, cancellationToken))
                    {
                        return;
                    }
                }

                // Ended by itself (or renewed early): subscribe again at once, after the continuation.
                continue;
            }
            catch (KinesisResourceInUseException exception) when (!cancellationToken.IsCancellationRequested)
            {
                _setbacks++;
                ResourceInUseRetries++;
                StreamingKinesisMetrics.ResourceInUseRetries.Add(1, new KeyValuePair<string, object?>("shard", shardId));
                delay = Backoff(_setbacks);
                LogResourceInUse(logger, shardId, exception.ServiceMessage ?? exception.Message, delay.TotalMilliseconds);
            }
            catch (KinesisResourceNotFoundException)
            {
                // The consumer or the shard is gone: not for a retry here; the receiver reports it and starts again.
                throw;
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested && IsRecoverable(exception))
            {
                _setbacks++;
                StreamingKinesisMetrics.SubscriptionFailures.Add(1, new("shard", shardId), new("error", exception.GetType().Name));
                delay = Backoff(_setbacks);
                LogSubscriptionFailed(logger, shardId, _position.ToString(), delay.TotalMilliseconds, exception);
            }

            await Task.Delay(delay, time, cancellationToken);
        }
    }

    /// <summary>Moves events into the queue until the subscription ends (false) or the shard does (true).</summary>
    private async Task<bool> PumpAsync(ShardSubscription subscription, CancellationToken cancellationToken)
    {
        var opened = time.GetTimestamp();
        var first = true;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        while (true)
        {
            // Back-pressure: while processing lags, the response is not read.
            await WaitWhileBufferIsStaleAsync(cancellationToken);
            idle.CancelAfter(options.SubscriptionIdleTimeout);
            SubscribeToShardEvent? next;
            try
            {
                next = await subscription.ReadEventAsync(idle.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No event for {options.SubscriptionIdleTimeout.TotalSeconds:0} s (Kinesis:SubscriptionIdleTimeout).");
            }

            idle.CancelAfter(Timeout.InfiniteTimeSpan);
            if (next is null)
            {
                LogEnded(logger, shardId, _position.ToString());
                return false;
            }

            if (next.ContinuationSequenceNumber is null && !next.IsShardEnd)
            {
                // Neither a place to continue nor the shard's end (the KCL rejects it too): start again from the last good one.
                throw new KinesisException(ShardSubscription.OperationName, "InvalidResponse", null, "An event had neither a continuation sequence number nor child shards.");
            }

            if (first)
            {
                // Counted at its first event: kinesis-local answers a refused call with HTTP 200 and an exception.
                first = false;
                _setbacks = 0;
                var kind = Interlocked.Increment(ref _subscriptions) == 1 ? "started" : "renewed";
                StreamingKinesisMetrics.Subscriptions.Add(1, new("shard", shardId), new("kind", kind));
                LogSubscribed(logger, shardId, kind, subscription.Position.ToString());
            }

            var records = NewRecords(next.Records);
            var page = new FetchedPage(shardId, records, next.IsShardEnd ? null : next.ContinuationSequenceNumber, next.MillisBehindLatest, next.ChildShards, time.GetUtcNow());
            if (beforeFirstRecord is not null && records.Count > 0)
            {
                // Before anything of the shard is handed out: a later reader must be able to start at this record.
                await beforeFirstRecord(records[0].SequenceNumber, cancellationToken);
                beforeFirstRecord = null;
            }

            // Waits while the buffer's budget is used up, and so does not read the response meanwhile.
            await queue.EnqueueAsync(page, cancellationToken);
            if (records.Count > 0)
            {
                Volatile.Write(ref _lastFetchedSequenceNumber, records[^1].SequenceNumber);
            }

            if (next.ContinuationSequenceNumber is { } continuation)
            {
                _position = StartingPosition.After(continuation);
                _continued = true;
            }

            StreamingKinesisMetrics.RecordsFetched.Add(records.Count);
            StreamingKinesisMetrics.BytesFetched.Add(page.SizeBytes);
            if (next.IsShardEnd)
            {
                LogShardEnd(logger, shardId, next.ChildShards.Count);
                return true;
            }

            if (records.Count == 0 && next.MillisBehindLatest == 0 && shardClosed() && await ProbeShardEndAsync(cancellationToken))
            {
                return true;
            }

            if (RenewAfter is { } renewAfter && time.GetElapsedTime(opened) >= renewAfter)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// A closed shard, caught up, with nothing new: asks GetRecords whether everything after the last queued record is
    /// the shard's end, and if so queues the end page with its children. AWS says so on the subscription itself;
    /// kinesis-local never does, and keeps sending empty events for a closed shard.
    /// </summary>
    private async Task<bool> ProbeShardEndAsync(CancellationToken cancellationToken)
    {
        if (_lastProbeAt != long.MinValue && time.GetElapsedTime(_lastProbeAt) < s_shardEndProbeInterval)
        {
            return false;
        }

        _lastProbeAt = time.GetTimestamp();
        var after = LastFetchedSequenceNumber;
        var iterator = after is null
            ? await kinesis.GetShardIteratorAsync(options.StreamName, shardId, ShardIteratorType.TrimHorizon, cancellationToken: cancellationToken)
            : await kinesis.GetShardIteratorAsync(options.StreamName, shardId, ShardIteratorType.AfterSequenceNumber, after, cancellationToken: cancellationToken);
        var response = await kinesis.GetRecordsAsync(iterator, 1, cancellationToken);
        if (!response.IsShardEnd || response.Records.Count > 0 && (after is null || NewRecords(response.Records).Count > 0))
        {
            return false;
        }

        await queue.EnqueueAsync(new FetchedPage(shardId, [], null, 0, response.ChildShards, time.GetUtcNow()), cancellationToken);
        LogShardEndProbed(logger, shardId, response.ChildShards.Count);
        return true;
    }

    /// <summary>The records after the last one queued (all of them, normally).</summary>
    private IReadOnlyList<KinesisRecord> NewRecords(IReadOnlyList<KinesisRecord> records)
    {
        var last = LastFetchedSequenceNumber;
        if (last is null || records.Count == 0 || ShardPosition.CompareSequenceNumbers(records[0].SequenceNumber, last) > 0)
        {
            return records;
        }

        var fresh = records.Where(r => ShardPosition.CompareSequenceNumbers(r.SequenceNumber, last) > 0).ToList();
        LogDuplicatesDropped(logger, shardId, records.Count - fresh.Count, last);
        return fresh;
    }

    private async Task WaitToSubscribeAsync(CancellationToken cancellationToken)
    {
        if (_lastSubscribeAt == long.MinValue)
        {
            return;
        }

        var wait = MinSubscribeInterval - time.GetElapsedTime(_lastSubscribeAt);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    private async Task WaitWhileBufferIsStaleAsync(CancellationToken cancellationToken)
    {
        while (queue.OldestFetchedAt is { } oldest && time.GetUtcNow() - oldest > options.MaxFetchDuration)
        {
            await Task.Delay(options.MinFetchPeriod, time, cancellationToken);
        }
    }

    /// <summary>1 s, 2 s, 4 s, then 5 s, each ±20 %: a burst of failures settles at Kinesis' take-over time.</summary>
    private static TimeSpan Backoff(int setbacks)
    {
        var seconds = Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(setbacks, 10) - 1));
        return TimeSpan.FromSeconds(seconds * (0.8 + (0.4 * Random.Shared.NextDouble())));
    }

    private static bool IsRecoverable(Exception exception) => exception is
        KinesisException // LimitExceeded, InternalFailure, KMS throttling, an unreachable endpoint, a bad event
        or EventStreamFormatException // a corrupt frame: nothing of it was used
        or TimeoutException // no event within SubscriptionIdleTimeout
        or HttpRequestException or IOException; // the connection broke under the stream

    [LoggerMessage(Level = LogLevel.Debug, Message = "Shard {ShardId}: subscription {Kind} at {Position}")]
    private static partial void LogSubscribed(ILogger logger, string shardId, string kind, string position);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Shard {ShardId}: subscription ended; renewing at {Position}")]
    private static partial void LogEnded(ILogger logger, string shardId, string position);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {ShardId}: SubscribeToShard answered ResourceInUse ({Reason}); trying again in {DelayMs:0} ms")]
    private static partial void LogResourceInUse(ILogger logger, string shardId, string reason, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {ShardId}: subscription failed; subscribing again at {Position} in {DelayMs:0} ms")]
    private static partial void LogSubscriptionFailed(ILogger logger, string shardId, string position, double delayMs, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {ShardId}: the subscription reached the shard's end ({Children} child shards)")]
    private static partial void LogShardEnd(ILogger logger, string shardId, int children);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {ShardId}: closed and read to its end, found by GetRecords ({Children} child shards); the subscription did not say so")]
    private static partial void LogShardEndProbed(ILogger logger, string shardId, int children);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {ShardId}: dropped {Count} records a subscription sent again (at or before {LastSequenceNumber}, already queued)")]
    private static partial void LogDuplicatesDropped(ILogger logger, string shardId, int count, string lastSequenceNumber);
}
