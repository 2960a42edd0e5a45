using System.Security.Cryptography;

namespace KinesisGrains.Streaming.Kinesis.Kpl;

/// <summary>The KPL aggregated record layout: magic, protobuf <c>AggregatedRecord</c>, MD5 of the protobuf bytes.</summary>
internal static class KplFormat
{
    public const int ChecksumLength = MD5.HashSizeInBytes;

    // AggregatedRecord
    public const int PartitionKeyTableField = 1;
    public const int ExplicitHashKeyTableField = 2;
    public const int RecordsField = 3;

    // Record
    public const int PartitionKeyIndexField = 1;
    public const int ExplicitHashKeyIndexField = 2;
    public const int DataField = 3;
    public const int TagsField = 4;

    // Tag
    public const int TagKeyField = 1;

    public static ReadOnlySpan<byte> Magic => [0xF3, 0x89, 0x9A, 0xC2];
}
