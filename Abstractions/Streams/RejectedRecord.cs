using Orleans;

namespace KinesisGrains.Abstractions.Streams;

/// <summary>
/// A record the message handler rejected, on its way to the partition its partition key hashes to: that partition
/// dead-letters it once, skipping it by its high-water mark when the record is read again (a rewind, a restart).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RejectedRecord(
    [property: Id(0)] StreamEventInfo Info,
    [property: Id(1)] string Reason,
    [property: Id(2)] byte[] Data);
