namespace KinesisGrains.Kinesis.Client;

/// <summary>A record read by GetRecords.</summary>
/// <param name="SequenceNumber">Decimal string; unique within the shard.</param>
/// <param name="ApproximateArrivalTimestamp">Millisecond precision; neither exact nor monotonic.</param>
/// <param name="EncryptionType"><c>NONE</c> or <c>KMS</c> when the service says.</param>
public sealed record KinesisRecord(
    string SequenceNumber,
    DateTimeOffset ApproximateArrivalTimestamp,
    byte[] Data,
    string PartitionKey,
    string? EncryptionType = null);
