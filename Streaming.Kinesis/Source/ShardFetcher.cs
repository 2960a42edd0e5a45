using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Diagnostics;
using KinesisGrains.Streaming.Kinesis.Source.Buffering;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Streaming.Kinesis.Source;

/// <summary>
/// Prefetches one shard into the fetch buffer: GetRecords attempts (retries included) at most every MinFetchPeriod,
/// bytes at most at MaxFetchRate, taking turns with the other shards of its fetch worker. Throttling halves the fetch
/// size and sleeps, then the size grows back step by step; an expired iterator is replaced after the last fetched
/// record.
/// </summary>
internal sealed partial class ShardFetcher(
    KinesisClient kinesis,
    KinesisSourceOptions options,
    string shardId,
    ShardProgress progress,
    ShardQueue queue,
    SemaphoreSlim workerSlot,
    TimeProvider time,
    ILogger logger,
    Action<long>? fetched = null,
    string? startAfterSequenceNumber = null,
    Func<string, CancellationToken, Task>? beforeFirstRecord = null) : IShardRecordSource
{
    private readonly CallPacer _pacer = new(options.MinFetchPeriod, time);
    private int _fetchSize = options.MaxRecordsPerFetch;
    private string? _lastFetchedSequenceNumber = startAfterSequenceNumber;

    /// <summary>The last record fetched into the queue (or the one this fetcher was told to start after): a new fetcher continues after it.</summary>
    public string? LastFetchedSequenceNumber => Volatile.Read(ref _lastFetchedSequenceNumber);

    /// <summary>Fetches until the shard ends or <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="startAt">Where an iterator starts: after a sequence number, or at the start position when it is null.</param>
    /// <remarks>The first iterator starts after the sequence number the fetcher was created with, when it was.</remarks>
    public async Task RunAsync(Func<string?, CancellationToken, Task<StartingPosition>> startAt, CancellationToken cancellationToken)
    {
        async Task<string> openIterator(string? after, CancellationToken token)
        {
            var start = await startAt(after, token);
            return await kinesis.GetShardIteratorAsync(options.StreamName, shardId, start.Type, start.SequenceNumber, start.Timestamp, token);
        }

        var iterator = await openIterator(_lastFetchedSequenceNumber, cancellationToken);
        while (true)
        {
            await WaitWhileBufferIsStaleAsync(cancellationToken);

            // Waited before taking the worker, so a shard that must still wait does not hold up the others.
            await _pacer.WaitAsync(cancellationToken);
            GetRecordsResponse response;
            await workerSlot.WaitAsync(cancellationToken);
            var started = time.GetTimestamp();
            var timed = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                response = await kinesis.GetRecordsAsync(iterator, _fetchSize, _pacer, cancellationToken);
                fetched?.Invoke(System.Diagnostics.Stopwatch.GetTimestamp() - timed);
            }
            catch (KinesisProvisionedThroughputExceededException)
            {
                _fetchSize = Math.Max(1, _fetchSize / 2);
                StreamingKinesisMetrics.Throttles.Add(1, new KeyValuePair<string, object?>("shard", shardId));
                progress.NoteThrottled();
                LogThrottled(logger, shardId, _fetchSize);
                await Task.Delay(options.ThrottleBackoff, time, cancellationToken);
                continue;
            }
            catch (KinesisExpiredIteratorException)
            {
                LogIteratorExpired(logger, shardId, _lastFetchedSequenceNumber ?? "the start position");
                iterator = await openIterator(_lastFetchedSequenceNumber, cancellationToken);
                continue;
            }
            finally
            {
                workerSlot.Release();
            }

            // Grow back one step per good fetch, so a throttled shard finds its rate again without a cliff.
            _fetchSize = Math.Min(options.MaxRecordsPerFetch, _fetchSize * 2);
            var page = FetchedPage.From(shardId, response, time.GetUtcNow());
            if (beforeFirstRecord is not null && response.Records.Count > 0)
            {
                // Before anything of the shard is handed out: a later reader must be able to start at this record.
                await beforeFirstRecord(response.Records[0].SequenceNumber, cancellationToken);
                beforeFirstRecord = null;
            }

            await queue.EnqueueAsync(page, cancellationToken);
            if (response.Records.Count > 0)
            {
                // Only once the page is in the queue: a fetcher that fails before that is continued before this page.
                Volatile.Write(ref _lastFetchedSequenceNumber, response.Records[^1].SequenceNumber);
            }

            StreamingKinesisMetrics.RecordsFetched.Add(response.Records.Count);
            StreamingKinesisMetrics.BytesFetched.Add(page.SizeBytes);
            if (response.NextShardIterator is null)
            {
                return;
            }

            iterator = response.NextShardIterator;
            await PaceByRateAsync(started, page.SizeBytes, cancellationToken);
        }
    }

    /// <summary>Holds the next call back until the bytes just fetched fit MaxFetchRate.</summary>
    private async Task PaceByRateAsync(long started, long bytes, CancellationToken cancellationToken)
    {
        var wait = TimeSpan.FromSeconds(bytes / (options.MaxFetchRate * 1_000_000)) - time.GetElapsedTime(started);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hit rate limit. Sleeping for 5 seconds. (shard {ShardId}; fetch size now {FetchSize})")]
    private static partial void LogThrottled(ILogger logger, string shardId, int fetchSize);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {ShardId}: iterator expired; a new one starts after {SequenceNumber}")]
    private static partial void LogIteratorExpired(ILogger logger, string shardId, string sequenceNumber);
}
