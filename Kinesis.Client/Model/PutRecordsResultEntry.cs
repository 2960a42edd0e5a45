namespace KinesisGrains.Kinesis.Client;

/// <summary>The outcome of one PutRecords entry: either a sequence number and shard, or an error.</summary>
/// <param name="ErrorCode"><c>ProvisionedThroughputExceededException</c> or <c>InternalFailure</c> for a failed entry.</param>
public sealed record PutRecordsResultEntry(string? SequenceNumber, string? ShardId, string? ErrorCode = null, string? ErrorMessage = null)
{
    /// <summary>The record was written (it has a sequence number and no error).</summary>
    public bool IsSuccess => ErrorCode is null && SequenceNumber is not null;
}
