namespace KinesisGrains.Streaming.Kinesis.Kpl;

/// <summary>Why a record that starts with the KPL magic was passed through instead of de-aggregated.</summary>
public enum KplCorruption
{
    /// <summary>The aggregate was well formed.</summary>
    None,

    /// <summary>Nothing, or too little for a message, between the magic and the 16-byte MD5 trailer.</summary>
    TooShort,

    /// <summary>The MD5 trailer does not match the protobuf bytes.</summary>
    ChecksumMismatch,

    /// <summary>The protobuf is not well formed (bad varint, tag, length or group).</summary>
    MalformedProtobuf,

    /// <summary>A Record lacks partition_key_index or data, or a Tag lacks its key (proto2 <c>required</c>).</summary>
    MissingRequiredField,

    /// <summary>A Record's key index points past the end of its table.</summary>
    IndexOutOfRange,

    /// <summary>An explicit hash key is not a decimal number from 0 to 2^128-1.</summary>
    InvalidExplicitHashKey,

    /// <summary>A well-formed aggregate with no records; passed through so that no record ever vanishes unreported.</summary>
    NoRecords,
}
