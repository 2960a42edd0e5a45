using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.DynamoDB;
using KinesisGrains.Sinks.Diagnostics;
using KinesisGrains.Sinks.Internal;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Sinks.DynamoDB;

/// <summary>
/// Upserts a keyed state's rows into a DynamoDB table, one item per key holding its latest row
/// (<c>GetItem(Table, {key: "user-42"})</c>), and deletes the item of a key whose state was removed.
/// </summary>
/// <remarks>
/// <para>
/// <b>Idempotent, and never back.</b> Per (state, output, partition) the table holds a progress item under the reserved
/// key <c>_kgrains#{state}#{output}#{partition}</c> with the last committed epoch (<see cref="EpochAttribute"/>). An
/// epoch at or below it is skipped (<see cref="SinkCommitResult.AlreadyCommitted"/>); otherwise the rows are written
/// first and the marker after them, conditionally and only forward. A crash in between makes the partition hand the
/// same epoch over again, which writes the same items again: harmless. Since a partition hands its epochs over one at a
/// time in order, an item never goes back to an older row of its partition. What this does not cover: two activations
/// of one partition committing at once (the marker's condition catches the later one and logs it), and a key that
/// moves to another partition when P is rescaled (epochs of different partitions are not comparable).
/// </para>
/// <para>
/// <b>Items.</b> Each column of the batch's <see cref="RowSchema"/> becomes an attribute: String → S, Long, Integer and
/// Double → N (invariant culture), Boolean → BOOL, Timestamp → S (ISO-8601 UTC, six fraction digits), Map → M; a null
/// column is left out. A changelog's <c>deleted</c> flag is not stored (a deleted key has no item). Every item carries
/// <see cref="EpochAttribute"/> and <see cref="PartitionAttribute"/>, so a reader can see how fresh it is. Within a
/// batch the last row of an item key wins.
/// </para>
/// <para>
/// <b>Writes.</b> BatchWriteItem, 25 requests a call (<see cref="DynamoDBSinkOptions.MaxParallelWrites"/> calls at
/// once); unprocessed items and throttled calls are sent again with jittered exponential back-off, up to
/// <see cref="AwsRowSinkOptions.MaxAttempts"/> attempts, after which the commit throws and the partition retries later.
/// </para>
/// </remarks>
internal sealed partial class DynamoDBSink : IRowSink, IDisposable
{
    /// <summary>The epoch an item (or progress item) was written for.</summary>
    public const string EpochAttribute = "kgrainsEpoch";

    /// <summary>The partition an item was written by.</summary>
    public const string PartitionAttribute = "kgrainsPartition";

    /// <summary>Item keys starting with this are the sink's progress items; rows may not use them.</summary>
    public const string ProgressKeyPrefix = "_kgrains#";

    private const string SinkType = "DynamoDB";

    private readonly DynamoDBSinkOptions _options;
    private readonly IAmazonDynamoDB _dynamo;
    private readonly bool _ownsClient;
    private readonly ILogger _logger;
    private readonly DynamoDBItemMapper _mapper;
    private readonly DynamoDBSinkTable _table;
    private readonly DynamoDBSinkProgress _progress;
    private readonly TagList _tags;
    private readonly Lock _readyLock = new();
    private Task? _ready;

    /// <summary>A sink with its own client, made from the options' endpoint, region and keys.</summary>
    public DynamoDBSink(DynamoDBSinkOptions options, ILogger<DynamoDBSink> logger)
        : this(options, CreateClient(options), ownsClient: true, logger)
    {
    }

    /// <summary>A sink writing through <paramref name="dynamo"/> (which it does not dispose); the options' endpoint and keys are not used.</summary>
    public DynamoDBSink(DynamoDBSinkOptions options, IAmazonDynamoDB dynamo, ILogger<DynamoDBSink> logger)
        : this(options, dynamo, ownsClient: false, logger)
    {
    }

    private DynamoDBSink(DynamoDBSinkOptions options, IAmazonDynamoDB dynamo, bool ownsClient, ILogger logger)
    {
        Check(options);
        ArgumentNullException.ThrowIfNull(dynamo);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _dynamo = dynamo;
        _ownsClient = ownsClient;
        _logger = logger;
        _mapper = new DynamoDBItemMapper(options);
        _table = new DynamoDBSinkTable(dynamo, options, logger);
        _progress = new DynamoDBSinkProgress(dynamo, options);
        _tags = SinkMetrics.Tags(options.Name, SinkType);
    }

    public string Name => _options.Name;

    public string StateName => _options.StateName;

    public SinkOutputKind Output => _options.Output;

    public string Description => $"DynamoDBSink[{_options.Table}]";

    public TimeSpan CommitInterval => _options.CommitInterval;

    /// <summary>
    /// Checks the table (and creates it with <see cref="DynamoDBSinkOptions.CreateTableIfMissing"/>) once; the first
    /// commit does it when nobody called this before. A failure is not kept: the next call tries again.
    /// </summary>
    public Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        lock (_readyLock)
        {
            if (_ready is null || _ready.IsFaulted || _ready.IsCanceled)
            {
                _ready = _table.EnsureAsync(CancellationToken.None);
            }

            return _ready.WaitAsync(cancellationToken);
        }
    }

    public async Task<SinkCommitResult> CommitAsync(SinkEpochBatch batch, CancellationToken cancellationToken)
    {
        batch.ThrowIfNotFor(this);

        var started = Stopwatch.GetTimestamp();
        await EnsureTableAsync(cancellationToken);
        if (await WithThrottleRetryAsync(() => _progress.ReadAsync(batch.Partition, cancellationToken), cancellationToken) is { } committed && committed >= batch.Epoch)
        {
            SinkMetrics.EpochsSkipped.Add(1, _tags);
            LogEpochSkipped(_logger, Name, batch.StateName, batch.Partition, batch.Epoch, committed);
            return new SinkCommitResult(AlreadyCommitted: true, RowsWritten: 0, Version: null, Stopwatch.GetElapsedTime(started));
        }

        var writes = _mapper.Map(batch);
        var chunks = writes.Chunk(DynamoDBSinkOptions.MaxBatchWriteItems).ToList();
        await Parallel.ForEachAsync(
            chunks,
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelWrites, CancellationToken = cancellationToken },
            async (chunk, token) => await WriteAsync(chunk, token));

        // After the rows: a crash before this line re-sends the same epoch, which writes the same items again.
        if (!await WithThrottleRetryAsync(() => _progress.AdvanceAsync(batch, cancellationToken), cancellationToken))
        {
            LogMarkerAhead(_logger, Name, batch.StateName, batch.Partition, batch.Epoch);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        SinkMetrics.Batches.Add(1, _tags);
        SinkMetrics.CommitDuration.Record(elapsed.TotalMilliseconds, _tags);
        LogCommitted(_logger, Name, batch.StateName, batch.Partition, batch.Epoch, writes.Count, chunks.Count, elapsed.TotalMilliseconds);
        return new SinkCommitResult(AlreadyCommitted: false, RowsWritten: writes.Count, Version: null, elapsed);
    }

    public async Task<long?> CommittedEpochAsync(int partition, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        return await WithThrottleRetryAsync(() => _progress.ReadAsync(partition, cancellationToken), cancellationToken);
    }

    public void Dispose()
    {
        if (_ownsClient)
        {
            _dynamo.Dispose();
        }
    }

    /// <summary>One BatchWriteItem call's worth, sent again while some of it comes back unprocessed.</summary>
    private async Task WriteAsync(IReadOnlyList<WriteRequest> chunk, CancellationToken cancellationToken)
    {
        var pending = chunk as List<WriteRequest> ?? [.. chunk];
        for (var attempt = 1; ; attempt++)
        {
            BatchWriteItemResponse response;
            try
            {
                SinkMetrics.Calls.Add(1, _tags);
                response = await _dynamo.BatchWriteItemAsync(
                    new BatchWriteItemRequest { RequestItems = new() { [_options.Table] = pending } }, cancellationToken);
            }
            catch (AmazonDynamoDBException exception) when (IsThrottle(exception) && attempt < _options.MaxAttempts)
            {
                SinkMetrics.Throttles.Add(1, _tags);
                SinkMetrics.Retries.Add(pending.Count, _tags);
                var throttledDelay = Backoff.Delay(attempt, _options.RetryBaseDelay, _options.MaxRetryDelay);
                LogThrottled(_logger, Name, exception.ErrorCode, attempt, _options.MaxAttempts, throttledDelay.TotalMilliseconds);
                await Task.Delay(throttledDelay, cancellationToken);
                continue;
            }

            var unprocessed = response.UnprocessedItems?.GetValueOrDefault(_options.Table) ?? [];
            SinkMetrics.RowsWritten.Add(pending.Count - unprocessed.Count, _tags);
            if (unprocessed.Count == 0)
            {
                return;
            }

            if (attempt >= _options.MaxAttempts)
            {
                throw new InvalidOperationException(
                    $"Sink '{Name}': DynamoDB left {unprocessed.Count} of {pending.Count} items of table '{_options.Table}' unprocessed {attempt} times in a row ({_options.Section}MaxAttempts); the epoch is handed over again later.");
            }

            SinkMetrics.Retries.Add(unprocessed.Count, _tags);
            var delay = Backoff.Delay(attempt, _options.RetryBaseDelay, _options.MaxRetryDelay);
            LogUnprocessed(_logger, Name, unprocessed.Count, pending.Count, attempt, _options.MaxAttempts, delay.TotalMilliseconds);
            await Task.Delay(delay, cancellationToken);
            pending = unprocessed;
        }
    }

    /// <summary>Runs a single-item call, backing off while DynamoDB throttles it (after the SDK's own retries).</summary>
    private async Task<T> WithThrottleRetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (AmazonDynamoDBException exception) when (IsThrottle(exception) && attempt < _options.MaxAttempts)
            {
                SinkMetrics.Throttles.Add(1, _tags);
                var delay = Backoff.Delay(attempt, _options.RetryBaseDelay, _options.MaxRetryDelay);
                LogThrottled(_logger, Name, exception.ErrorCode, attempt, _options.MaxAttempts, delay.TotalMilliseconds);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    private static bool IsThrottle(AmazonDynamoDBException exception) =>
        exception is ProvisionedThroughputExceededException or RequestLimitExceededException
        || exception.ErrorCode is "ThrottlingException" or "ProvisionedThroughputExceededException" or "RequestLimitExceeded";

    private static void Check(DynamoDBSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (DynamoDBSinkOptionsValidator.Problems(options).ToList() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"Invalid options of DynamoDB sink '{options.Name}': {string.Join(" ", problems)}", nameof(options));
        }
    }

    private static IAmazonDynamoDB CreateClient(DynamoDBSinkOptions options)
    {
        Check(options);
        var service = options.ServiceUrl?.ToString() ?? options.Region;
        return DynamoDBClientFactory.Create(service, options.AccessKeyId, options.SecretAccessKey, options.SessionToken, profileName: null, options.Region, options.Credentials);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sink {Sink}: epoch {Epoch} of {State} partition {Partition} skipped, committed up to epoch {Committed}")]
    private static partial void LogEpochSkipped(ILogger logger, string sink, string state, int partition, long epoch, long committed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sink {Sink}: epoch {Epoch} of {State} partition {Partition} committed, {Items} items in {Calls} calls, {ElapsedMs:0.#} ms")]
    private static partial void LogCommitted(ILogger logger, string sink, string state, int partition, long epoch, int items, int calls, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sink {Sink}: the progress of {State} partition {Partition} already stood at or beyond epoch {Epoch} when its rows were written: another writer of the partition committed meanwhile")]
    private static partial void LogMarkerAhead(ILogger logger, string sink, string state, int partition, long epoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sink {Sink}: {Unprocessed} of {Sent} items unprocessed (attempt {Attempt} of {MaxAttempts}); sending them again in {DelayMs:0} ms")]
    private static partial void LogUnprocessed(ILogger logger, string sink, int unprocessed, int sent, int attempt, int maxAttempts, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sink {Sink}: DynamoDB throttled a call ({ErrorCode}, attempt {Attempt} of {MaxAttempts}); retrying in {DelayMs:0} ms")]
    private static partial void LogThrottled(ILogger logger, string sink, string errorCode, int attempt, int maxAttempts, double delayMs);
}
