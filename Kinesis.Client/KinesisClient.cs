using System.Globalization;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Kinesis.Client;

/// <summary>
/// A thin Kinesis Data Streams client over <see cref="HttpClient"/> (JSON 1.1 protocol, SigV4), covering what a
/// consumer and its tests need. Every call sends <c>StreamName</c>, because kinesalite rejects ARN-only requests.
/// Thread-safe; create one per endpoint and reuse it.
/// </summary>
public sealed class KinesisClient : IDisposable
{
    /// <summary>GetRecords returns at most this many records per call.</summary>
    public const int MaxGetRecordsLimit = 10_000;

    /// <summary>PutRecords takes at most this many entries per call.</summary>
    public const int MaxPutRecordsEntries = 500;

    private static readonly KinesisJsonContext s_json = KinesisJsonContext.Default;

    private readonly KinesisTransport _transport;
    private readonly KinesisClientOptions _options;

    /// <summary>Creates a client with its own connection pool.</summary>
    public KinesisClient(KinesisClientOptions options, ILogger<KinesisClient>? logger = null)
        : this(options, CreateOwnHttpClient(options), ownsHttpClient: true, logger)
    {
    }

    /// <summary>Creates a client sending through <paramref name="handler"/> (a proxy or fault injector); the handler is not disposed.</summary>
    public KinesisClient(KinesisClientOptions options, HttpMessageHandler handler, ILogger<KinesisClient>? logger = null)
        : this(options, new HttpClient(handler ?? throw new ArgumentNullException(nameof(handler)), disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan }, ownsHttpClient: true, logger)
    {
    }

    /// <summary>Creates a client sending through <paramref name="httpClient"/>, which is not disposed; <see cref="KinesisClientOptions.RequestTimeout"/> still applies.</summary>
    public KinesisClient(KinesisClientOptions options, HttpClient httpClient, ILogger<KinesisClient>? logger = null)
        : this(options, httpClient ?? throw new ArgumentNullException(nameof(httpClient)), ownsHttpClient: false, logger)
    {
    }

    private KinesisClient(KinesisClientOptions options, HttpClient httpClient, bool ownsHttpClient, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (new KinesisClientOptionsValidator().Validate(null, options) is { Failed: true } invalid)
        {
            // InvalidOperationException as before: the CLI reports it as one sentence, not a stack trace.
            throw new InvalidOperationException("Invalid KinesisClientOptions: " + string.Join(" ", invalid.Failures!));
        }

        _options = options.Clone();
        _transport = new KinesisTransport(_options, httpClient, ownsHttpClient, logger);
    }

    /// <summary>The endpoint requests go to.</summary>
    public Uri Endpoint => _transport.Endpoint;

    /// <summary>Starts creating a provisioned stream; it is CREATING until <see cref="WaitForStreamActiveAsync"/> sees ACTIVE.</summary>
    public Task CreateStreamAsync(string streamName, int shardCount, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        return _transport.SendAsync("CreateStream", new CreateStreamRequest(streamName, shardCount), s_json.CreateStreamRequest, cancellationToken);
    }

    /// <summary>Starts deleting a stream.</summary>
    public Task DeleteStreamAsync(string streamName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        return _transport.SendAsync("DeleteStream", new DeleteStreamRequest(streamName), s_json.DeleteStreamRequest, cancellationToken);
    }

    /// <summary>The stream's status, shard count and retention (DescribeStreamSummary).</summary>
    public async Task<StreamDescriptionSummary> DescribeStreamSummaryAsync(string streamName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        const string operation = "DescribeStreamSummary";
        var result = await _transport.SendAsync(
            operation,
            new DescribeStreamSummaryRequest(streamName),
            s_json.DescribeStreamSummaryRequest,
            s_json.DescribeStreamSummaryResult,
            cancellationToken).ConfigureAwait(false);
        var summary = result.StreamDescriptionSummary
            ?? throw new KinesisException(operation, KinesisTransport.InvalidResponseErrorCode, null, "The response has no StreamDescriptionSummary.");
        return new StreamDescriptionSummary(
            summary.StreamName,
            summary.StreamArn,
            ParseStatus(summary.StreamStatus),
            summary.StreamCreationTimestamp,
            summary.OpenShardCount ?? 0,
            summary.RetentionPeriodHours);
    }

    /// <summary>
    /// Polls DescribeStreamSummary until the stream is ACTIVE and returns that summary. A stream that is not found
    /// yet is waited for too, since a new stream can take a moment to become visible.
    /// </summary>
    /// <exception cref="TimeoutException">The stream did not become ACTIVE within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The stream is being deleted.</exception>
    public async Task<StreamDescriptionSummary> WaitForStreamActiveAsync(string streamName, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        var deadline = DateTimeOffset.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(50);
        var lastState = "not found";
        while (true)
        {
            try
            {
                var summary = await DescribeStreamSummaryAsync(streamName, cancellationToken).ConfigureAwait(false);
                switch (summary.StreamStatus)
                {
                    case StreamStatus.Active:
                        return summary;
                    case StreamStatus.Deleting:
                        throw new InvalidOperationException($"Kinesis stream '{streamName}' is being deleted; it will not become ACTIVE.");
                }

                lastState = summary.StreamStatus.ToString().ToUpperInvariant();
            }
            catch (KinesisResourceNotFoundException)
            {
                lastState = "not found";
            }

            if (DateTimeOffset.UtcNow + delay > deadline)
            {
                throw new TimeoutException($"Kinesis stream '{streamName}' did not become ACTIVE within {timeout.TotalSeconds:0.###} s (last seen: {lastState}).");
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
        }
    }

    /// <summary>
    /// Lists the shards of a stream, following NextToken pages of <see cref="KinesisClientOptions.ListShardsPageSize"/>.
    /// </summary>
    public async Task<IReadOnlyList<Shard>> ListShardsAsync(string streamName, ShardFilter? filter = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        const string operation = "ListShards";
        var shards = new List<Shard>();
        var request = new ListShardsRequest(streamName, NextToken: null, _options.ListShardsPageSize, ToWire(filter));
        while (true)
        {
            var page = await _transport.SendAsync(operation, request, s_json.ListShardsRequest, s_json.ListShardsResult, cancellationToken).ConfigureAwait(false);
            if (page.Shards is not null)
            {
                shards.AddRange(page.Shards);
            }

            if (string.IsNullOrEmpty(page.NextToken))
            {
                return shards;
            }

            if (page.NextToken == request.NextToken)
            {
                throw new KinesisException(operation, KinesisTransport.InvalidResponseErrorCode, null, "The service returned the same NextToken twice.");
            }

            // A NextToken carries the stream and the filter; the service rejects them sent again alongside it.
            request = new ListShardsRequest(StreamName: null, page.NextToken, _options.ListShardsPageSize, ShardFilter: null);
        }
    }

    /// <summary>Gets an iterator into a shard; it expires five minutes after it is issued.</summary>
    /// <param name="startingSequenceNumber">Required for <see cref="ShardIteratorType.AtSequenceNumber"/> and <see cref="ShardIteratorType.AfterSequenceNumber"/>.</param>
    /// <param name="timestamp">Required for <see cref="ShardIteratorType.AtTimestamp"/> (millisecond precision).</param>
    public async Task<string> GetShardIteratorAsync(
        string streamName,
        string shardId,
        ShardIteratorType iteratorType,
        string? startingSequenceNumber = null,
        DateTimeOffset? timestamp = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        ArgumentException.ThrowIfNullOrEmpty(shardId);
        if (iteratorType is ShardIteratorType.AtSequenceNumber or ShardIteratorType.AfterSequenceNumber && string.IsNullOrEmpty(startingSequenceNumber))
        {
            throw new ArgumentException($"{iteratorType} needs a starting sequence number.", nameof(startingSequenceNumber));
        }

        if (iteratorType == ShardIteratorType.AtTimestamp && timestamp is null)
        {
            throw new ArgumentException($"{iteratorType} needs a timestamp.", nameof(timestamp));
        }

        const string operation = "GetShardIterator";
        var request = new GetShardIteratorRequest(
            streamName,
            shardId,
            ToWire(iteratorType),
            iteratorType is ShardIteratorType.AtSequenceNumber or ShardIteratorType.AfterSequenceNumber ? startingSequenceNumber : null,
            iteratorType == ShardIteratorType.AtTimestamp ? timestamp : null);
        var result = await _transport.SendAsync(operation, request, s_json.GetShardIteratorRequest, s_json.GetShardIteratorResult, cancellationToken).ConfigureAwait(false);
        return result.ShardIterator
            ?? throw new KinesisException(operation, KinesisTransport.InvalidResponseErrorCode, null, "The response has no ShardIterator.");
    }

    /// <summary>Reads up to <paramref name="limit"/> records; an empty page does not mean the shard is drained.</summary>
    public Task<GetRecordsResponse> GetRecordsAsync(string shardIterator, int limit = MaxGetRecordsLimit, CancellationToken cancellationToken = default) =>
        GetRecordsAsync(shardIterator, limit, pacer: null, cancellationToken);

    /// <summary>
    /// Reads up to <paramref name="limit"/> records; a retry waits for <paramref name="pacer"/> too, and every attempt
    /// is noted on it.
    /// </summary>
    public async Task<GetRecordsResponse> GetRecordsAsync(string shardIterator, int limit, CallPacer? pacer, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(shardIterator);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxGetRecordsLimit);
        var result = await _transport.SendAsync(
            "GetRecords",
            new GetRecordsRequest(shardIterator, limit),
            s_json.GetRecordsRequest,
            s_json.GetRecordsResult,
            cancellationToken,
            pacer).ConfigureAwait(false);
        return new GetRecordsResponse(
            (IReadOnlyList<KinesisRecord>?)result.Records ?? [],
            result.NextShardIterator,
            result.MillisBehindLatest ?? 0,
            (IReadOnlyList<ChildShard>?)result.ChildShards ?? []);
    }

    /// <summary>Writes up to 500 records. Check <see cref="PutRecordsResponse.FailedRecordCount"/>: failed entries do not fail the call.</summary>
    public async Task<PutRecordsResponse> PutRecordsAsync(string streamName, IReadOnlyList<PutRecordsRequestEntry> records, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count is 0 or > MaxPutRecordsEntries)
        {
            throw new ArgumentOutOfRangeException(nameof(records), records.Count, $"PutRecords takes 1 to {MaxPutRecordsEntries} records.");
        }

        var result = await _transport.SendAsync(
            "PutRecords",
            new PutRecordsRequest(streamName, records),
            s_json.PutRecordsRequest,
            s_json.PutRecordsResult,
            cancellationToken).ConfigureAwait(false);
        return new PutRecordsResponse(result.FailedRecordCount ?? 0, (IReadOnlyList<PutRecordsResultEntry>?)result.Records ?? []);
    }

    /// <summary>Starts splitting a shard at <paramref name="newStartingHashKey"/> (the first hash key of the upper child).</summary>
    public Task SplitShardAsync(string streamName, string shardToSplit, UInt128 newStartingHashKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        ArgumentException.ThrowIfNullOrEmpty(shardToSplit);
        return _transport.SendAsync(
            "SplitShard",
            new SplitShardRequest(streamName, shardToSplit, newStartingHashKey),
            s_json.SplitShardRequest,
            cancellationToken);
    }

    /// <summary>Starts merging two shards with adjacent hash key ranges.</summary>
    public Task MergeShardsAsync(string streamName, string shardToMerge, string adjacentShardToMerge, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        ArgumentException.ThrowIfNullOrEmpty(shardToMerge);
        ArgumentException.ThrowIfNullOrEmpty(adjacentShardToMerge);
        return _transport.SendAsync(
            "MergeShards",
            new MergeShardsRequest(streamName, shardToMerge, adjacentShardToMerge),
            s_json.MergeShardsRequest,
            cancellationToken);
    }

    /// <summary>Starts uniform scaling to <paramref name="targetShardCount"/> (not supported by kinesalite).</summary>
    public async Task<UpdateShardCountResponse> UpdateShardCountAsync(string streamName, int targetShardCount, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetShardCount, 1);
        var result = await _transport.SendAsync(
            "UpdateShardCount",
            new UpdateShardCountRequest(streamName, targetShardCount, "UNIFORM_SCALING"),
            s_json.UpdateShardCountRequest,
            s_json.UpdateShardCountResult,
            cancellationToken).ConfigureAwait(false);
        return new UpdateShardCountResponse(result.StreamName ?? streamName, result.CurrentShardCount ?? 0, result.TargetShardCount ?? targetShardCount);
    }

    /// <summary>Registers an enhanced fan-out consumer; it is CREATING until <see cref="WaitForConsumerActiveAsync"/> sees ACTIVE.</summary>
    /// <exception cref="KinesisResourceInUseException">A consumer of that name exists on the stream.</exception>
    public async Task<StreamConsumer> RegisterStreamConsumerAsync(string streamArn, string consumerName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamArn);
        ArgumentException.ThrowIfNullOrEmpty(consumerName);
        const string operation = "RegisterStreamConsumer";
        var result = await _transport.SendAsync(
            operation,
            new RegisterStreamConsumerRequest(streamArn, consumerName),
            s_json.RegisterStreamConsumerRequest,
            s_json.RegisterStreamConsumerResult,
            cancellationToken).ConfigureAwait(false);
        return ToConsumer(operation, result.Consumer, streamArn);
    }

    /// <summary>Describes a consumer by its ARN.</summary>
    /// <exception cref="KinesisResourceNotFoundException">No such consumer.</exception>
    public Task<StreamConsumer> DescribeStreamConsumerAsync(string consumerArn, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumerArn);
        return DescribeStreamConsumerAsync(new ConsumerRequest(null, null, consumerArn), cancellationToken);
    }

    /// <summary>Describes a consumer by its stream and name.</summary>
    /// <exception cref="KinesisResourceNotFoundException">No such consumer.</exception>
    public Task<StreamConsumer> DescribeStreamConsumerAsync(string streamArn, string consumerName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamArn);
        ArgumentException.ThrowIfNullOrEmpty(consumerName);
        return DescribeStreamConsumerAsync(new ConsumerRequest(streamArn, consumerName, null), cancellationToken);
    }

    /// <summary>Polls DescribeStreamConsumer until the consumer is ACTIVE and returns it.</summary>
    /// <exception cref="TimeoutException">Not ACTIVE within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The consumer is being deregistered.</exception>
    public async Task<StreamConsumer> WaitForConsumerActiveAsync(string consumerArn, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumerArn);
        var deadline = DateTimeOffset.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            var consumer = await DescribeStreamConsumerAsync(consumerArn, cancellationToken).ConfigureAwait(false);
            switch (consumer.Status)
            {
                case ConsumerStatus.Active:
                    return consumer;
                case ConsumerStatus.Deleting:
                    throw new InvalidOperationException($"Kinesis consumer '{consumer.ConsumerName}' is being deregistered; it will not become ACTIVE.");
            }

            if (DateTimeOffset.UtcNow + delay > deadline)
            {
                throw new TimeoutException($"Kinesis consumer '{consumer.ConsumerName}' did not become ACTIVE within {timeout.TotalSeconds:0.###} s (last seen: {consumer.Status.ToString().ToUpperInvariant()}).");
            }

            // DescribeStreamConsumer allows 20 calls/s per stream: at most one a second once it takes a while.
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
        }
    }

    /// <summary>Lists the consumers registered on a stream, following NextToken pages.</summary>
    public async Task<IReadOnlyList<StreamConsumer>> ListStreamConsumersAsync(string streamArn, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamArn);
        const string operation = "ListStreamConsumers";
        var consumers = new List<StreamConsumer>();
        var request = new ListStreamConsumersRequest(streamArn, NextToken: null, MaxResults: 100);
        while (true)
        {
            var page = await _transport.SendAsync(operation, request, s_json.ListStreamConsumersRequest, s_json.ListStreamConsumersResult, cancellationToken).ConfigureAwait(false);
            var count = page.Consumers?.Count ?? 0;
            foreach (var consumer in page.Consumers ?? [])
            {
                consumers.Add(ToConsumer(operation, consumer, streamArn));
            }

            // kinesis-local returns a NextToken on the last page too, and then an empty page.
            if (string.IsNullOrEmpty(page.NextToken) || count == 0 || page.NextToken == request.NextToken)
            {
                return consumers;
            }

            // Unlike ListShards, StreamARN is required on every page.
            request = new ListStreamConsumersRequest(streamArn, page.NextToken, MaxResults: 100);
        }
    }

    /// <summary>Deregisters a consumer by its ARN; its subscriptions end. Kinesis keeps it DELETING for a while.</summary>
    public Task DeregisterStreamConsumerAsync(string consumerArn, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumerArn);
        return _transport.SendAsync("DeregisterStreamConsumer", new ConsumerRequest(null, null, consumerArn), s_json.ConsumerRequest, cancellationToken);
    }

    /// <summary>
    /// Opens an enhanced fan-out subscription to a shard over HTTP/2. Read its events with
    /// <see cref="ShardSubscription.ReadEventAsync"/>; it ends by itself after about five minutes. Kinesis allows one
    /// call per second per consumer and shard, and answers <see cref="KinesisResourceInUseException"/> to a second
    /// one within five seconds of a success (kinesis-local sends that as the stream's only message instead).
    /// </summary>
    public async Task<ShardSubscription> SubscribeToShardAsync(string consumerArn, string shardId, StartingPosition position, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumerArn);
        ArgumentException.ThrowIfNullOrEmpty(shardId);
        ArgumentNullException.ThrowIfNull(position);
        var bySequence = position.Type is ShardIteratorType.AtSequenceNumber or ShardIteratorType.AfterSequenceNumber;
        if (bySequence && string.IsNullOrEmpty(position.SequenceNumber))
        {
            throw new ArgumentException($"{position.Type} needs a sequence number.", nameof(position));
        }

        if (position.Type == ShardIteratorType.AtTimestamp && position.Timestamp is null)
        {
            throw new ArgumentException($"{position.Type} needs a timestamp.", nameof(position));
        }

        var request = new SubscribeToShardRequest(
            consumerArn,
            shardId,
            new StartingPositionWire(
                ToWire(position.Type),
                bySequence ? position.SequenceNumber : null,
                position.Type == ShardIteratorType.AtTimestamp ? position.Timestamp : null));
        var response = await _transport.OpenEventStreamAsync(ShardSubscription.OperationName, request, s_json.SubscribeToShardRequest, cancellationToken).ConfigureAwait(false);
        return await ShardSubscription.OpenAsync(response, shardId, position, cancellationToken).ConfigureAwait(false);
    }

    private async Task<StreamConsumer> DescribeStreamConsumerAsync(ConsumerRequest request, CancellationToken cancellationToken)
    {
        const string operation = "DescribeStreamConsumer";
        var result = await _transport.SendAsync(operation, request, s_json.ConsumerRequest, s_json.DescribeStreamConsumerResult, cancellationToken).ConfigureAwait(false);
        return ToConsumer(operation, result.ConsumerDescription, request.StreamArn);
    }

    private static StreamConsumer ToConsumer(string operation, ConsumerWire? wire, string? streamArn)
    {
        if (wire is null || string.IsNullOrEmpty(wire.ConsumerName) || string.IsNullOrEmpty(wire.ConsumerArn))
        {
            throw new KinesisException(operation, KinesisTransport.InvalidResponseErrorCode, null, "The response has no consumer name and ARN.");
        }

        var status = wire.ConsumerStatus switch
        {
            "CREATING" => ConsumerStatus.Creating,
            "ACTIVE" => ConsumerStatus.Active,
            "DELETING" => ConsumerStatus.Deleting,
            _ => ConsumerStatus.Unknown,
        };
        return new StreamConsumer(wire.ConsumerName, wire.ConsumerArn, status, wire.ConsumerCreationTimestamp, wire.StreamArn ?? streamArn);
    }

    /// <summary>Releases the HTTP connections.</summary>
    public void Dispose() => _transport.Dispose();

    private static HttpClient CreateOwnHttpClient(KinesisClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.RequestTimeout > TimeSpan.Zero ? options.RequestTimeout : TimeSpan.FromSeconds(30),

            // Re-resolve DNS now and then: regional endpoints move.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),

            // Enhanced fan-out: one HTTP/2 stream per shard; more shards than a connection's stream limit open more
            // connections. Pings (as the KCL, every 60 s) find a dead connection under a quiet subscription.
            EnableMultipleHttp2Connections = true,
            InitialHttp2StreamWindowSize = options.Http2StreamWindowSize,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        };

        // Each attempt has its own timeout (RequestTimeout), so the HttpClient must not add another.
        return new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    private static StreamStatus ParseStatus(string? status) => status switch
    {
        "CREATING" => StreamStatus.Creating,
        "DELETING" => StreamStatus.Deleting,
        "ACTIVE" => StreamStatus.Active,
        "UPDATING" => StreamStatus.Updating,
        _ => StreamStatus.Unknown,
    };

    private static string ToWire(ShardIteratorType type) => type switch
    {
        ShardIteratorType.AtSequenceNumber => "AT_SEQUENCE_NUMBER",
        ShardIteratorType.AfterSequenceNumber => "AFTER_SEQUENCE_NUMBER",
        ShardIteratorType.TrimHorizon => "TRIM_HORIZON",
        ShardIteratorType.Latest => "LATEST",
        ShardIteratorType.AtTimestamp => "AT_TIMESTAMP",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    private static ShardFilterWire? ToWire(ShardFilter? filter)
    {
        if (filter is null)
        {
            return null;
        }

        if (filter.Type == ShardFilterType.AfterShardId && string.IsNullOrEmpty(filter.ShardId))
        {
            throw new ArgumentException("An AfterShardId filter needs a ShardId.", nameof(filter));
        }

        if (filter.Type is ShardFilterType.AtTimestamp or ShardFilterType.FromTimestamp && filter.Timestamp is null)
        {
            throw new ArgumentException($"A {filter.Type} filter needs a Timestamp.", nameof(filter));
        }

        var type = filter.Type switch
        {
            ShardFilterType.AfterShardId => "AFTER_SHARD_ID",
            ShardFilterType.AtTrimHorizon => "AT_TRIM_HORIZON",
            ShardFilterType.FromTrimHorizon => "FROM_TRIM_HORIZON",
            ShardFilterType.AtLatest => "AT_LATEST",
            ShardFilterType.AtTimestamp => "AT_TIMESTAMP",
            ShardFilterType.FromTimestamp => "FROM_TIMESTAMP",
            _ => throw new ArgumentOutOfRangeException(nameof(filter), filter.Type, null),
        };
        return new ShardFilterWire(
            type,
            filter.Type == ShardFilterType.AfterShardId ? filter.ShardId : null,
            filter.Type is ShardFilterType.AtTimestamp or ShardFilterType.FromTimestamp ? filter.Timestamp : null);
    }
}
