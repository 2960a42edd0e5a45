namespace KinesisGrains.Kinesis.Client;

/// <summary>
/// One message of an AWS event stream (<c>application/vnd.amazon.eventstream</c>): its headers, by name, and its payload.
/// Header values are <see cref="bool"/>, <see cref="byte"/>, <see cref="short"/>, <see cref="int"/>, <see cref="long"/>,
/// <c>byte[]</c>, <see cref="string"/>, <see cref="DateTimeOffset"/> or <see cref="Guid"/>, by their wire type.
/// </summary>
internal sealed class EventStreamMessage(IReadOnlyDictionary<string, object> headers, ReadOnlyMemory<byte> payload)
{
    public const string MessageTypeHeader = ":message-type";
    public const string EventTypeHeader = ":event-type";
    public const string ExceptionTypeHeader = ":exception-type";
    public const string ErrorCodeHeader = ":error-code";
    public const string ErrorMessageHeader = ":error-message";

    public IReadOnlyDictionary<string, object> Headers { get; } = headers;

    public ReadOnlyMemory<byte> Payload { get; } = payload;

    /// <summary><c>event</c>, <c>exception</c> or <c>error</c>.</summary>
    public string? MessageType => StringHeader(MessageTypeHeader);

    public string? EventType => StringHeader(EventTypeHeader);

    public string? ExceptionType => StringHeader(ExceptionTypeHeader);

    /// <summary>A header of string type, or null when it is missing or of another type.</summary>
    public string? StringHeader(string name) => Headers.TryGetValue(name, out var value) ? value as string : null;
}
