namespace KinesisGrains.Kinesis.Client;

/// <summary>The result of PutRecords.</summary>
/// <param name="Records">In the same order as the request; failed entries do not stop the others, so order across a retry is not kept.</param>
public sealed record PutRecordsResponse(int FailedRecordCount, IReadOnlyList<PutRecordsResultEntry> Records);
