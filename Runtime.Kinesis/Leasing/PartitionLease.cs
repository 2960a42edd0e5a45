namespace KinesisGrains.Kinesis.Leasing;

/// <summary>
/// The lease of one state partition: who owns it and which snapshot in S3 holds its latest durable state.
/// Kept in the application's lease table as a row of its own entity type, which KCL tooling skips.
/// </summary>
public sealed record PartitionLease(int Partition, string? Owner, long LeaseCounter, long? SnapshotId);
