namespace KinesisGrains.Kinesis.Client;

/// <summary>One record for PutRecords; a <c>byte[]</c> converts to <see cref="ReadOnlyMemory{T}"/> implicitly.</summary>
/// <param name="PartitionKey">1 to 256 characters; its MD5 picks the shard unless <paramref name="ExplicitHashKey"/> is set.</param>
/// <param name="ExplicitHashKey">A decimal 128-bit hash key that overrides the partition key's.</param>
public sealed record PutRecordsRequestEntry(ReadOnlyMemory<byte> Data, string PartitionKey, string? ExplicitHashKey = null);
