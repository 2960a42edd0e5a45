using System.Text.Json;

namespace KinesisGrains.Kinesis.Client;

/// <summary>
/// An open SubscribeToShard response: its events, read one at a time. It ends by itself after about five minutes
/// (<see cref="ReadEventAsync"/> returns null); subscribe again after the last event's continuation. Dispose it to
/// cancel the HTTP/2 stream.
/// </summary>
/// <remarks>Events are read only when asked: a caller that stops asking holds the server back by HTTP/2 flow control.</remarks>
public sealed class ShardSubscription : IAsyncDisposable
{
    /// <summary>The API operation, as errors name it.</summary>
    public const string OperationName = "SubscribeToShard";
    private const string InitialResponse = "initial-response";
    private const string EventType = "SubscribeToShardEvent";

    private readonly HttpResponseMessage _response;
    private readonly Stream _body;
    private readonly EventStreamReader _reader;

    private ShardSubscription(HttpResponseMessage response, Stream body, string shardId, StartingPosition position)
    {
        _response = response;
        _body = body;
        _reader = new EventStreamReader(body);
        ShardId = shardId;
        Position = position;
    }

    /// <summary>The shard this subscription reads.</summary>
    public string ShardId { get; }

    /// <summary>Where this subscription started.</summary>
    public StartingPosition Position { get; }

    /// <summary>The HTTP version the response came over (2.0 unless a handler in between changed it).</summary>
    public Version HttpVersion => _response.Version;

    internal static async Task<ShardSubscription> OpenAsync(HttpResponseMessage response, string shardId, StartingPosition position, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new ShardSubscription(response, body, shardId, position);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>The next event; null when the subscription ended cleanly (renew it).</summary>
    /// <exception cref="KinesisException">The service sent an exception or error message (e.g. <see cref="KinesisResourceInUseException"/>).</exception>
    /// <exception cref="EventStreamFormatException">A corrupt frame: nothing of it was used.</exception>
    public async ValueTask<SubscribeToShardEvent?> ReadEventAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var message = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (message is null)
            {
                return null;
            }

            switch (message.MessageType)
            {
                case "event" when message.EventType == EventType:
                    return Parse(message);
                case "event":
                    // initial-response (AWS sends it first, kinesis-local never) and event types added later.
                    continue;
                case "exception":
                    throw KinesisErrorParser.Create(OperationName, message.ExceptionType ?? "UnknownException", null, MessageOf(message));
                case "error":
                    throw new KinesisException(OperationName, message.StringHeader(EventStreamMessage.ErrorCodeHeader) ?? "UnknownError", null, message.StringHeader(EventStreamMessage.ErrorMessageHeader));
                default:
                    throw new EventStreamFormatException($"An event-stream message of type '{message.MessageType ?? "(none)"}' is neither event, exception nor error.");
            }
        }
    }

    private static SubscribeToShardEvent Parse(EventStreamMessage message)
    {
        SubscribeToShardEventWire? wire;
        try
        {
            wire = JsonSerializer.Deserialize(message.Payload.Span, KinesisJsonContext.Default.SubscribeToShardEventWire);
        }
        catch (JsonException exception)
        {
            throw new EventStreamFormatException($"A SubscribeToShardEvent payload of {message.Payload.Length} bytes is not valid JSON: {exception.Message}");
        }

        if (wire is null)
        {
            throw new EventStreamFormatException("A SubscribeToShardEvent payload was null.");
        }

        return new SubscribeToShardEvent(
            (IReadOnlyList<KinesisRecord>?)wire.Records ?? [],
            string.IsNullOrEmpty(wire.ContinuationSequenceNumber) ? null : wire.ContinuationSequenceNumber,
            wire.MillisBehindLatest ?? 0,
            (IReadOnlyList<ChildShard>?)wire.ChildShards ?? []);
    }

    private static string? MessageOf(EventStreamMessage message)
    {
        try
        {
            return JsonSerializer.Deserialize(message.Payload.Span, KinesisJsonContext.Default.EventStreamExceptionBody)?.Message;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Ends the subscription (the server sees its HTTP/2 stream reset).</summary>
    public async ValueTask DisposeAsync()
    {
        // Disposing the response resets the HTTP/2 stream (RST_STREAM), which the server sees as the subscription gone.
        await _body.DisposeAsync().ConfigureAwait(false);
        _response.Dispose();
    }
}
