namespace KinesisGrains.Kinesis.Leasing;

/// <summary>
/// One row of the lease table, in the Kinesis Client Library's schema (leaseKey = shard id, leaseOwner, leaseCounter,
/// checkpoint, checkpointSubSequenceNumber, parentShardId ...), so KCL tooling can read it.
/// </summary>
/// <param name="Checkpoint">A sequence number, or a sentinel: TRIM_HORIZON, LATEST, AT_TIMESTAMP, SHARD_END.</param>
public sealed record ShardLease(
    string LeaseKey,
    string? LeaseOwner,
    long LeaseCounter,
    string Checkpoint,
    long CheckpointSubSequenceNumber,
    IReadOnlyList<string> ParentShardIds)
{
    public bool IsShardEnd => Checkpoint == SentinelCheckpoint.ShardEnd;
}
