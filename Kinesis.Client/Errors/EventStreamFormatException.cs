namespace KinesisGrains.Kinesis.Client;

/// <summary>
/// An event-stream frame could not be trusted: a CRC32 did not match, a length was impossible or too large, a header
/// was malformed, or the stream ended inside a frame. Nothing of the frame was used; the caller reconnects from the
/// last position it accepted.
/// </summary>
public sealed class EventStreamFormatException(string message) : FormatException(message);
