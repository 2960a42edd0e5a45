namespace KinesisGrains.Streaming.Kinesis.Leasing;

/// <summary>
/// One row of the lease table, in the Kinesis Client Library's schema (leaseKey = shard id, leaseOwner, leaseCounter,
/// checkpoint, checkpointSubSequenceNumber, parentShardId ...), so KCL tooling can read it.
/// </summary>
/// <param name="Checkpoint">A sequence number, or a sentinel: TRIM_HORIZON, LATEST, AT_TIMESTAMP, SHARD_END.</param>
/// <param name="OriginSequenceNumber">
/// For a shard started at LATEST: the first record its first reader fetched (our own attribute, which KCL tooling
/// ignores). Until the first checkpoint, every later reader starts there, not at a new LATEST that would skip what
/// arrived in between (rule 8).
/// </param>
/// <param name="AdoptedCheckpoint">A checkpoint that was in the table at the application's first start (a KCL application
/// moved over): the shard's origin for this application, as "sequence/sub-sequence".</param>
public sealed record ShardLease(
    string LeaseKey,
    string? LeaseOwner,
    long LeaseCounter,
    string Checkpoint,
    long CheckpointSubSequenceNumber,
    IReadOnlyList<string> ParentShardIds,
    string? OriginSequenceNumber = null,
    string? AdoptedCheckpoint = null)
{
    public bool IsShardEnd => Checkpoint == SentinelCheckpoint.ShardEnd;

    /// <summary>True while the checkpoint is one the application adopted at its first start (its origin for the shard).</summary>
    public bool IsAtAdoptedCheckpoint => AdoptedCheckpoint is not null && AdoptedCheckpoint == AdoptionText(Checkpoint, CheckpointSubSequenceNumber);

    /// <summary>The adopted checkpoint as a position; null when none was adopted.</summary>
    public Abstractions.Streams.ShardPosition? AdoptedPosition
    {
        get
        {
            if (AdoptedCheckpoint is not { } text)
            {
                return null;
            }

            var slash = text.LastIndexOf('/');
            return new(text[..slash], long.Parse(text[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    internal static string AdoptionText(string checkpoint, long subSequenceNumber) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{checkpoint}/{subSequenceNumber}");
}
