using KinesisGrains.Kinesis.Client;
using KinesisGrains.Kinesis.Kpl;
using KinesisGrains.Kinesis.Leasing;
using KinesisGrains.Kinesis.Source.Buffering;
using KinesisGrains.Runtime.Streams;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Kinesis.Source;

/// <summary>
/// The queue adapter receiver of one shard: a fetcher prefetches pages into the buffer while this loop takes what is
/// buffered, de-aggregates it, and hands it to the stream processor as one micro-batch, in shard order. Progress goes
/// to the checkpointer, which checkpoints only what the state holds durably.
/// </summary>
public sealed partial class ShardReceiver(
    KinesisClient kinesis,
    ShardLease lease,
    Shard shard,
    IStreamBatchProcessor processor,
    ShardCheckpointer checkpointer,
    KinesisSourceOptions options,
    ShardQueue queue,
    SemaphoreSlim workerSlot,
    ShardProgress progress,
    TimeProvider time,
    ILogger logger)
{
    private const int MaxRecordsPerBatch = 20_000;
    private readonly KplDeaggregator _deaggregator = new(new KplDeaggregatorOptions { DropAggregatesOutsideShardRange = options.DropAggregatesOutsideShardRange });
    private readonly List<UserRecord> _userRecords = [];

    /// <summary>Where the checkpoint says the shard was; records at or below it are filtered (KCL's rule on resume).</summary>
    private readonly StreamSequenceToken? _resumeAfter =
        SentinelCheckpoint.IsSentinel(lease.Checkpoint) ? null : new StreamSequenceToken(lease.Checkpoint, lease.CheckpointSubSequenceNumber);

    public string ShardId => shard.ShardId;

    /// <summary>Reads until the shard ends (returns true) or <paramref name="cancellationToken"/> fires (returns false).</summary>
    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        if (lease.IsShardEnd)
        {
            progress.Update(p => p with { State = ShardReceiverState.Ended, CaughtUp = true, Checkpoint = lease.Checkpoint });
            return true;
        }

        progress.Update(p => p with { State = ShardReceiverState.Reading, Checkpoint = lease.Checkpoint });
        LogStarted(logger, ShardId, lease.Checkpoint, lease.CheckpointSubSequenceNumber);
        using var stopFetching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var fetcher = new ShardFetcher(kinesis, options, ShardId, queue, workerSlot, time, logger);
        var fetching = fetcher.RunAsync(OpenIteratorAsync, stopFetching.Token);
        try
        {
            return await ProcessAsync(fetching, stopFetching.Token);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            progress.Update(p => p with { State = ShardReceiverState.Stopped });
            return false;
        }
        finally
        {
            await stopFetching.CancelAsync();
            try
            {
                await fetching;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task<bool> ProcessAsync(Task fetching, CancellationToken cancellationToken)
    {
        var pages = new List<FetchedPage>();
        var records = new List<StreamRecord>();
        while (true)
        {
            pages.Clear();
            var dequeue = queue.DequeueAsync(cancellationToken).AsTask();
            if (await Task.WhenAny(dequeue, fetching) == fetching && !dequeue.IsCompleted)
            {
                // The fetcher stopped before handing over a shard end: let its exception surface.
                await fetching;
                pages.Add(await dequeue);
            }
            else
            {
                pages.Add(await dequeue);
            }

            var count = pages[0].Records.Count;
            while (!pages[^1].IsShardEnd && count < MaxRecordsPerBatch && queue.TryDequeue(out var more))
            {
                pages.Add(more);
                count += more.Records.Count;
            }

            records.Clear();
            foreach (var page in pages)
            {
                foreach (var record in page.Records)
                {
                    Expand(record, records);
                }
            }

            if (records.Count > 0)
            {
                // Not cancellable: once handed over, the batch is applied and written as a unit.
                var summary = await processor.ProcessAsync(ShardId, records, CancellationToken.None);
                var last = records[^1];
                checkpointer.Processed(ShardId, last.Token);
                progress.Update(p => p with
                {
                    RecordsRead = p.RecordsRead + summary.Records,
                    EventsApplied = p.EventsApplied + summary.Applied,
                    DeadLettered = p.DeadLettered + summary.DeadLettered,
                    LastSequenceNumber = last.SequenceNumber,
                });
                LogBatch(logger, ShardId, summary.Records, summary.Applied, summary.SkippedAsDuplicate, summary.DeadLettered);
            }

            var newest = pages[^1];
            progress.Update(p => p with
            {
                MillisBehindLatest = newest.MillisBehindLatest,
                CaughtUp = newest.Records.Count == 0 && newest.MillisBehindLatest == 0 && queue.Count == 0,
                Checkpoint = checkpointer.GetCheckpoint(ShardId) ?? p.Checkpoint,
            });

            if (newest.IsShardEnd)
            {
                checkpointer.Ended(ShardId);
                progress.Update(p => p with { State = ShardReceiverState.Ended, CaughtUp = true });
                LogShardEnded(logger, ShardId, newest.ChildShards.Count);
                return true;
            }
        }
    }

    /// <summary>Turns a Kinesis record into the records the handler sees, dropping what the checkpoint already covers.</summary>
    private void Expand(KinesisRecord record, List<StreamRecord> output)
    {
        _userRecords.Clear();
        var result = _deaggregator.Deaggregate(record, _userRecords, shard.HashKeyRange);
        if (result.Outcome == DeaggregationOutcome.DroppedOutsideShardRange)
        {
            LogAggregateDropped(logger, ShardId, record.SequenceNumber, result.DroppedRecordCount);
        }
        else if (result.Outcome == DeaggregationOutcome.CorruptPassedThrough)
        {
            LogCorruptAggregate(logger, ShardId, record.SequenceNumber, result.CorruptReason ?? result.Corruption.ToString());
        }

        foreach (var user in _userRecords)
        {
            var streamRecord = new StreamRecord(
                user.Data, user.PartitionKey, user.SequenceNumber, user.SubSequenceNumber, user.ExplicitHashKey, user.ApproximateArrivalTimestamp, ShardId);
            if (_resumeAfter is { } resume && streamRecord.Token <= resume)
            {
                continue;
            }

            output.Add(streamRecord);
        }
    }

    private Task<string> OpenIteratorAsync(string? afterSequenceNumber, CancellationToken cancellationToken)
    {
        if (afterSequenceNumber is not null)
        {
            return kinesis.GetShardIteratorAsync(options.StreamName, ShardId, ShardIteratorType.AfterSequenceNumber, afterSequenceNumber, null, cancellationToken);
        }

        if (_resumeAfter is { } resume)
        {
            // AT, not AFTER: an aggregate checkpointed part-way (sub-sequence > 0) is read again and filtered.
            var type = resume.SubSequenceNumber > 0 ? ShardIteratorType.AtSequenceNumber : ShardIteratorType.AfterSequenceNumber;
            return kinesis.GetShardIteratorAsync(options.StreamName, ShardId, type, resume.SequenceNumber, null, cancellationToken);
        }

        var (start, timestamp) = lease.Checkpoint switch
        {
            SentinelCheckpoint.TrimHorizon => (ShardIteratorType.TrimHorizon, (DateTimeOffset?)null),
            SentinelCheckpoint.AtTimestamp => (ShardIteratorType.AtTimestamp, options.InitialTimestamp),
            _ => (ShardIteratorType.Latest, null),
        };
        return kinesis.GetShardIteratorAsync(options.StreamName, ShardId, start, null, timestamp, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {ShardId}: reading from checkpoint {Checkpoint}/{SubSequenceNumber}")]
    private static partial void LogStarted(ILogger logger, string shardId, string checkpoint, long subSequenceNumber);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {ShardId}: reached SHARD_END; {Children} child shard(s)")]
    private static partial void LogShardEnded(ILogger logger, string shardId, int children);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {ShardId}: dropped the KPL aggregate {SequenceNumber} ({Records} records): a record's hash key is outside the shard's range (the KCL rule; Kinesis:DropAggregatesOutsideShardRange=false keeps them)")]
    private static partial void LogAggregateDropped(ILogger logger, string shardId, string sequenceNumber, int records);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {ShardId}: record {SequenceNumber} looks like a KPL aggregate but is not valid ({Reason}); passed on as one plain record")]
    private static partial void LogCorruptAggregate(ILogger logger, string shardId, string sequenceNumber, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Shard {ShardId}: batch of {Records} records, {Applied} applied, {Skipped} duplicates skipped, {DeadLettered} dead-lettered")]
    private static partial void LogBatch(ILogger logger, string shardId, int records, int applied, int skipped, int deadLettered);
}
