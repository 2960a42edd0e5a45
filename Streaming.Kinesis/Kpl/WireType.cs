namespace KinesisGrains.Streaming.Kinesis.Kpl;

/// <summary>The low three bits of a protobuf tag.</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}
