namespace KinesisGrains.Kinesis.Client;

/// <summary>The wire type byte of an event-stream header value (AWSSDK.Core's <c>EventStreamHeaderType</c>).</summary>
internal enum EventStreamHeaderType : byte
{
    BoolTrue = 0,
    BoolFalse = 1,
    Byte = 2,
    Int16 = 3,
    Int32 = 4,
    Int64 = 5,
    ByteBuffer = 6,
    String = 7,
    Timestamp = 8,
    Uuid = 9,
}
