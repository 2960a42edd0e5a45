using System.Collections.Concurrent;
using System.Diagnostics;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Sinks.Diagnostics;
using KinesisGrains.Sinks.Internal;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Sinks.Kinesis;

/// <summary>
/// Puts a keyed state's rows into a Kinesis stream, <b>at least once</b>: Kinesis has no transactions, so an epoch
/// handed over again is sent again. Consumers drop duplicates by the row id every record carries.
/// </summary>
/// <remarks>
/// <para>
/// <b>Records.</b> The data is <c>{"rowId":"...","key":"...","partition":p,"epoch":e,"row":{...}}</c> (the row's
/// JSON untouched); the partition key is the row's state key, so a key's records land on one shard. A row id is the
/// same each time its epoch is sent (<see cref="SinkRow.RowId"/>): a re-sent epoch gives records equal to the first
/// ones but for their sequence numbers.
/// </para>
/// <para>
/// <b>Calls.</b> PutRecords of at most 500 records and 5 MiB, one call after another in row order; a record over
/// 1 MiB fails the commit with a <see cref="SinkRowException"/> naming its row. Entries the service refuses
/// (<c>ProvisionedThroughputExceededException</c>, <c>InternalFailure</c>) and calls it throttles whole are sent again,
/// just those, with jittered exponential back-off, up to <see cref="AwsRowSinkOptions.MaxAttempts"/> attempts; then the
/// commit throws and the partition hands the epoch over again later. A retried entry can land after later records of
/// its key: order a key's records by (epoch, the row's place in its epoch) rather than by sequence number.
/// </para>
/// <para>
/// <b>Duplicates.</b> With <see cref="KinesisSinkOptions.SkipEpochsSentInProcess"/> an epoch this process already sent
/// for a partition is skipped (<see cref="SinkCommitResult.AlreadyCommitted"/>). What still duplicates: an epoch sent
/// again after a failed commit (the calls that had succeeded), after the process restarted or after the partition
/// moved to another silo, and an entry the service stored but answered as failed or a call that timed out after it was
/// stored (the client retries it).
/// </para>
/// </remarks>
internal sealed partial class KinesisSink : IRowSink, IDisposable
{
    private const string SinkType = "Kinesis";

    private readonly KinesisSinkOptions _options;
    private readonly KinesisClient _client;
    private readonly bool _ownsClient;
    private readonly ILogger _logger;
    private readonly TagList _tags;
    private readonly ConcurrentDictionary<int, long> _lastSentEpoch = new();

    /// <summary>A sink with its own client, made from the options' endpoint, region and keys.</summary>
    public KinesisSink(KinesisSinkOptions options, ILogger<KinesisSink> logger, ILogger<KinesisClient>? clientLogger = null)
        : this(options, new KinesisClient(ClientOptions(options), clientLogger), ownsClient: true, logger)
    {
    }

    /// <summary>A sink writing through <paramref name="client"/> (which it does not dispose); the options' endpoint and keys are not used.</summary>
    public KinesisSink(KinesisSinkOptions options, KinesisClient client, ILogger<KinesisSink> logger)
        : this(options, client, ownsClient: false, logger)
    {
    }

    private KinesisSink(KinesisSinkOptions options, KinesisClient client, bool ownsClient, ILogger logger)
    {
        Check(options);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _client = client;
        _ownsClient = ownsClient;
        _logger = logger;
        _tags = SinkMetrics.Tags(options.Name, SinkType);
    }

    public string Name => _options.Name;

    public string StateName => _options.StateName;

    public SinkOutputKind Output => _options.Output;

    public string Description => $"KinesisSink[{_options.StreamName}]";

    public TimeSpan CommitInterval => _options.CommitInterval;

    /// <summary>
    /// The newest epoch of <paramref name="partition"/> this process sent (what <see cref="KinesisSinkOptions.SkipEpochsSentInProcess"/>
    /// would skip): a partition restored behind it numbers its next epochs above it, so none of their rows is skipped.
    /// </summary>
    public Task<long?> CommittedEpochAsync(int partition, CancellationToken cancellationToken) =>
        Task.FromResult(_options.SkipEpochsSentInProcess && _lastSentEpoch.TryGetValue(partition, out var sent) ? sent : (long?)null);

    public async Task<SinkCommitResult> CommitAsync(SinkEpochBatch batch, CancellationToken cancellationToken)
    {
        batch.ThrowIfNotFor(this);

        var started = Stopwatch.GetTimestamp();
        if (_options.SkipEpochsSentInProcess && _lastSentEpoch.TryGetValue(batch.Partition, out var sent) && batch.Epoch <= sent)
        {
            SinkMetrics.EpochsSkipped.Add(1, _tags);
            LogEpochSkipped(_logger, Name, batch.StateName, batch.Partition, batch.Epoch, sent);
            return new SinkCommitResult(AlreadyCommitted: true, RowsWritten: 0, Version: null, Stopwatch.GetElapsedTime(started));
        }

        // Every row encoded before the first call: a row too large fails the commit before anything is sent.
        var records = batch.Rows.Select(row => KinesisSinkRecord.Encode(Name, batch, row)).ToList();
        var calls = 0;
        foreach (var call in KinesisSinkRecord.Calls(records))
        {
            await PutAsync(call, cancellationToken);
            calls++;
        }

        _lastSentEpoch.AddOrUpdate(batch.Partition, batch.Epoch, (_, last) => Math.Max(last, batch.Epoch));
        var elapsed = Stopwatch.GetElapsedTime(started);
        SinkMetrics.Batches.Add(1, _tags);
        SinkMetrics.CommitDuration.Record(elapsed.TotalMilliseconds, _tags);
        LogCommitted(_logger, Name, batch.StateName, batch.Partition, batch.Epoch, records.Count, calls, elapsed.TotalMilliseconds);
        return new SinkCommitResult(AlreadyCommitted: false, RowsWritten: records.Count, Version: null, elapsed);
    }

    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    /// <summary>One PutRecords call's worth, its refused entries sent again until none is left.</summary>
    private async Task PutAsync(List<KinesisSinkRecord> call, CancellationToken cancellationToken)
    {
        var pending = call;
        for (var attempt = 1; ; attempt++)
        {
            PutRecordsResponse response;
            try
            {
                SinkMetrics.Calls.Add(1, _tags);
                response = await _client.PutRecordsAsync(_options.StreamName, pending.ConvertAll(r => r.Entry), cancellationToken);
            }
            catch (KinesisException exception) when (exception is KinesisProvisionedThroughputExceededException or KinesisLimitExceededException && attempt < _options.MaxAttempts)
            {
                SinkMetrics.Throttles.Add(1, _tags);
                SinkMetrics.Retries.Add(pending.Count, _tags);
                var throttledDelay = Backoff.Delay(attempt, _options.RetryBaseDelay, _options.MaxRetryDelay);
                LogThrottled(_logger, Name, exception.ErrorCode, attempt, _options.MaxAttempts, throttledDelay.TotalMilliseconds);
                await Task.Delay(throttledDelay, cancellationToken);
                continue;
            }

            if (response.Records.Count != pending.Count)
            {
                throw new InvalidOperationException(
                    $"Sink '{Name}': PutRecords on stream '{_options.StreamName}' answered {response.Records.Count} results for {pending.Count} records.");
            }

            var failed = new List<KinesisSinkRecord>();
            string? firstError = null;
            for (var i = 0; i < pending.Count; i++)
            {
                var result = response.Records[i];
                if (result.IsSuccess)
                {
                    continue;
                }

                failed.Add(pending[i]);
                firstError ??= $"{result.ErrorCode}: {result.ErrorMessage}";
                if (result.ErrorCode == "ProvisionedThroughputExceededException")
                {
                    SinkMetrics.Throttles.Add(1, _tags);
                }
            }

            SinkMetrics.RowsWritten.Add(pending.Count - failed.Count, _tags);
            if (failed.Count == 0)
            {
                return;
            }

            if (attempt >= _options.MaxAttempts)
            {
                throw new InvalidOperationException(
                    $"Sink '{Name}': stream '{_options.StreamName}' refused {failed.Count} of {pending.Count} records {attempt} times in a row ({_options.Section}MaxAttempts; first: {firstError}, row {failed[0].RowId}); the epoch is handed over again later.");
            }

            SinkMetrics.Retries.Add(failed.Count, _tags);
            var delay = Backoff.Delay(attempt, _options.RetryBaseDelay, _options.MaxRetryDelay);
            LogFailedRecords(_logger, Name, failed.Count, pending.Count, firstError!, attempt, _options.MaxAttempts, delay.TotalMilliseconds);
            await Task.Delay(delay, cancellationToken);
            pending = failed;
        }
    }

    private static void Check(KinesisSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (KinesisSinkOptionsValidator.Problems(options).ToList() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"Invalid options of Kinesis sink '{options.Name}': {string.Join(" ", problems)}", nameof(options));
        }
    }

    private static KinesisClientOptions ClientOptions(KinesisSinkOptions options)
    {
        Check(options);
        return new KinesisClientOptions
        {
            ServiceUrl = options.ServiceUrl,
            Region = options.Region,
            AccessKeyId = options.AccessKeyId,
            SecretAccessKey = options.SecretAccessKey,
            SessionToken = options.SessionToken,
            Credentials = options.Credentials,
        };
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sink {Sink}: epoch {Epoch} of {State} partition {Partition} skipped, this process sent up to epoch {Sent}")]
    private static partial void LogEpochSkipped(ILogger logger, string sink, string state, int partition, long epoch, long sent);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sink {Sink}: epoch {Epoch} of {State} partition {Partition} sent, {Records} records in {Calls} calls, {ElapsedMs:0.#} ms")]
    private static partial void LogCommitted(ILogger logger, string sink, string state, int partition, long epoch, int records, int calls, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sink {Sink}: {Failed} of {Sent} records refused ({FirstError}; attempt {Attempt} of {MaxAttempts}); sending them again in {DelayMs:0} ms")]
    private static partial void LogFailedRecords(ILogger logger, string sink, int failed, int sent, string firstError, int attempt, int maxAttempts, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sink {Sink}: Kinesis throttled a PutRecords call ({ErrorCode}, attempt {Attempt} of {MaxAttempts}); retrying in {DelayMs:0} ms")]
    private static partial void LogThrottled(ILogger logger, string sink, string errorCode, int attempt, int maxAttempts, double delayMs);
}
