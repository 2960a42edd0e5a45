using System.Diagnostics;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Kinesis.Leasing;
using KinesisGrains.Runtime.Streams;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Kinesis.Source;

/// <summary>
/// The queue adapter receiver of one shard: reads it in order with GetRecords, hands each page to the stream
/// processor as one micro-batch, and moves the shard's checkpoint only past what the processor made durable.
/// </summary>
public sealed partial class ShardReceiver(
    KinesisClient kinesis,
    ShardLeaseTable leases,
    IStreamBatchProcessor processor,
    KinesisSourceOptions options,
    string workerId,
    string shardId,
    ShardProgress progress,
    TimeProvider time,
    ILogger logger)
{
    private StreamSequenceToken? _lastProcessed;
    private StreamSequenceToken? _lastCheckpointed;
    private long _lastCheckpointTimestamp;

    public string ShardId => shardId;

    /// <summary>Reads until the shard ends (returns true) or <paramref name="cancellationToken"/> fires (returns false).</summary>
    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        var lease = await leases.GetAsync(shardId, cancellationToken)
            ?? throw new InvalidOperationException($"The lease of {shardId} does not exist in table '{leases.TableName}'.");
        if (lease.IsShardEnd)
        {
            progress.Update(p => p with { State = ShardReceiverState.Ended, CaughtUp = true, Checkpoint = lease.Checkpoint });
            return true;
        }

        if (!SentinelCheckpoint.IsSentinel(lease.Checkpoint))
        {
            _lastProcessed = _lastCheckpointed = new StreamSequenceToken(lease.Checkpoint, lease.CheckpointSubSequenceNumber);
        }

        progress.Update(p => p with { State = ShardReceiverState.Reading, Checkpoint = lease.Checkpoint });
        _lastCheckpointTimestamp = time.GetTimestamp();
        var iterator = await GetIteratorAsync(lease.Checkpoint, cancellationToken);
        LogStarted(logger, shardId, lease.Checkpoint);
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var fetchStarted = time.GetTimestamp();
                GetRecordsResponse page;
                try
                {
                    page = await kinesis.GetRecordsAsync(iterator, options.MaxRecordsPerFetch, cancellationToken);
                }
                catch (KinesisExpiredIteratorException)
                {
                    iterator = await GetIteratorAsync(lease.Checkpoint, cancellationToken);
                    continue;
                }

                if (page.Records.Count > 0)
                {
                    await ProcessAsync(page.Records, cancellationToken);
                }

                progress.Update(p => p with
                {
                    MillisBehindLatest = page.MillisBehindLatest,
                    CaughtUp = page.Records.Count == 0 && page.MillisBehindLatest == 0,
                });

                if (page.NextShardIterator is null)
                {
                    await CheckpointAsync(SentinelCheckpoint.ShardEnd, 0, CancellationToken.None);
                    progress.Update(p => p with { State = ShardReceiverState.Ended, CaughtUp = true });
                    LogShardEnded(logger, shardId);
                    return true;
                }

                iterator = page.NextShardIterator;
                if (_lastProcessed != _lastCheckpointed && time.GetElapsedTime(_lastCheckpointTimestamp) >= options.CheckpointInterval)
                {
                    await CheckpointProcessedAsync(cancellationToken);
                }

                var wait = options.MinFetchPeriod - time.GetElapsedTime(fetchStarted);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Graceful stop: everything processed is durable, so checkpoint it before handing the shard on.
            await CheckpointProcessedAsync(CancellationToken.None);
            progress.Update(p => p with { State = ShardReceiverState.Stopped });
            return false;
        }
    }

    private async Task ProcessAsync(IReadOnlyList<KinesisRecord> records, CancellationToken cancellationToken)
    {
        var batch = new StreamRecord[records.Count];
        for (var i = 0; i < batch.Length; i++)
        {
            var record = records[i];
            batch[i] = new StreamRecord(record.Data, record.PartitionKey, record.SequenceNumber, 0, null, record.ApproximateArrivalTimestamp, shardId);
        }

        // Not cancellable: once handed over, the batch is applied and written as a unit.
        var summary = await processor.ProcessAsync(shardId, batch, CancellationToken.None);
        _lastProcessed = batch[^1].Token;
        progress.Update(p => p with
        {
            RecordsRead = p.RecordsRead + summary.Records,
            EventsApplied = p.EventsApplied + summary.Applied,
            DeadLettered = p.DeadLettered + summary.DeadLettered,
            LastSequenceNumber = batch[^1].SequenceNumber,
        });
        LogBatch(logger, shardId, summary.Records, summary.Applied, summary.SkippedAsDuplicate, summary.DeadLettered);
    }

    private Task CheckpointProcessedAsync(CancellationToken cancellationToken) =>
        _lastProcessed is { } token && token != _lastCheckpointed
            ? CheckpointAsync(token.SequenceNumber, token.SubSequenceNumber, cancellationToken)
            : Task.CompletedTask;

    private async Task CheckpointAsync(string checkpoint, long subSequenceNumber, CancellationToken cancellationToken)
    {
        await leases.CheckpointAsync(shardId, workerId, checkpoint, subSequenceNumber, cancellationToken);
        _lastCheckpointed = _lastProcessed;
        _lastCheckpointTimestamp = time.GetTimestamp();
        progress.Update(p => p with { Checkpoint = checkpoint });
    }

    private Task<string> GetIteratorAsync(string checkpoint, CancellationToken cancellationToken)
    {
        if (_lastProcessed is { } processed)
        {
            return kinesis.GetShardIteratorAsync(options.StreamName, shardId, ShardIteratorType.AfterSequenceNumber, processed.SequenceNumber, null, cancellationToken);
        }

        var (type, timestamp) = checkpoint switch
        {
            SentinelCheckpoint.TrimHorizon => (ShardIteratorType.TrimHorizon, (DateTimeOffset?)null),
            SentinelCheckpoint.AtTimestamp => (ShardIteratorType.AtTimestamp, options.InitialTimestamp),
            _ => (ShardIteratorType.Latest, null),
        };
        return kinesis.GetShardIteratorAsync(options.StreamName, shardId, type, null, timestamp, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {ShardId}: reading from checkpoint {Checkpoint}")]
    private static partial void LogStarted(ILogger logger, string shardId, string checkpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {ShardId}: reached SHARD_END")]
    private static partial void LogShardEnded(ILogger logger, string shardId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Shard {ShardId}: batch of {Records} records, {Applied} applied, {Skipped} duplicates skipped, {DeadLettered} dead-lettered")]
    private static partial void LogBatch(ILogger logger, string shardId, int records, int applied, int skipped, int deadLettered);
}
