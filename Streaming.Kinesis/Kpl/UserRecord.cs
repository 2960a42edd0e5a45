namespace KinesisGrains.Streaming.Kinesis.Kpl;

/// <summary>One user record: a sub-record of a KPL aggregate, or a whole plain Kinesis record.</summary>
/// <param name="Data">A slice of the Kinesis record's own array: nothing is copied, so it lives as long as that array.</param>
/// <param name="PartitionKey">The sub-record's key from the aggregate's table, or the Kinesis record's key when plain.</param>
/// <param name="ExplicitHashKey">Set only when the sub-record carries the optional explicit-hash-key index.</param>
/// <param name="SequenceNumber">The Kinesis record's sequence number, shared by every sub-record of an aggregate.</param>
/// <param name="SubSequenceNumber">Position in the aggregate (0..n-1); 0 for a plain record. With the sequence number it forms the checkpoint.</param>
/// <param name="IsFromAggregate"><c>false</c> for a plain record and for a corrupt aggregate passed through whole.</param>
internal readonly record struct UserRecord(
    ReadOnlyMemory<byte> Data,
    string PartitionKey,
    string? ExplicitHashKey,
    string SequenceNumber,
    long SubSequenceNumber,
    DateTimeOffset ApproximateArrivalTimestamp,
    bool IsFromAggregate);
