using System.Globalization;
using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

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
/// <param name="EndPosition">
/// For a shard checkpointed at SHARD_END: the last position every partition vouched for with it, as
/// "sequence/sub-sequence" (our own attribute). Barriers ask partitions whether they still hold it (rule 4).
/// </param>
/// <param name="ReplayFrom">
/// For an ended shard a partition fell back behind (restored an older snapshot): read it again from here to its end,
/// "sequence/sub-sequence" or <see cref="ReplayFromOrigin"/>. Such a lease is work to take, as an open shard's is.
/// </param>
/// <param name="ResetOrigin">
/// Where <c>kgrains reset</c> last set the shard's read position (TRIM_HORIZON, LATEST or AT_TIMESTAMP; our own
/// attribute): the shard's origin for the application from then on, so a replay from the origin after the first
/// checkpoint reads from there, not from the configured initial position.
/// </param>
/// <param name="ResetTimestamp">With <see cref="ResetOrigin"/> AT_TIMESTAMP: its time (the KCL keeps none in the row).</param>
internal sealed record ShardLease(
    string LeaseKey,
    string? LeaseOwner,
    long LeaseCounter,
    string Checkpoint,
    long CheckpointSubSequenceNumber,
    IReadOnlyList<string> ParentShardIds,
    string? OriginSequenceNumber = null,
    string? AdoptedCheckpoint = null,
    string? EndPosition = null,
    string? ReplayFrom = null,
    string? ResetOrigin = null,
    DateTimeOffset? ResetTimestamp = null)
{
    /// <summary>The <see cref="ReplayFrom"/> text of a replay from the shard's origin (a partition holds nothing of it).</summary>
    public const string ReplayFromOrigin = "ORIGIN";

    public bool IsShardEnd => Checkpoint == SentinelCheckpoint.ShardEnd;

    /// <summary>An ended shard to read again for a partition that no longer holds its end.</summary>
    public bool IsReplayRequested => IsShardEnd && ReplayFrom is not null;

    /// <summary>The replay's start: null for the shard's origin (or no replay).</summary>
    public Position? ReplayStart => ReplayFrom is null or ReplayFromOrigin ? null : ParsePosition(ReplayFrom);

    /// <summary>The ended shard's last vouched position; null when unknown (ended before it was recorded, or adopted).</summary>
    public Position? End => EndPosition is null ? null : ParsePosition(EndPosition);

    /// <summary>True while the checkpoint is one the application adopted at its first start (its origin for the shard).</summary>
    public bool IsAtAdoptedCheckpoint => AdoptedCheckpoint is not null && AdoptedCheckpoint == AdoptionText(Checkpoint, CheckpointSubSequenceNumber);

    /// <summary>The adopted checkpoint as a position; null when none was adopted.</summary>
    public Position? AdoptedPosition => AdoptedCheckpoint is null ? null : ParsePosition(AdoptedCheckpoint);

    internal static string AdoptionText(string checkpoint, long subSequenceNumber) =>
        string.Create(CultureInfo.InvariantCulture, $"{checkpoint}/{subSequenceNumber}");

    /// <summary>A position as our attributes keep it: "sequence/sub-sequence".</summary>
    internal static string TextOf(Position position) => AdoptionText(position.SequenceNumber, position.SubSequenceNumber);

    /// <summary>A replay start as <see cref="ReplayFrom"/> keeps it.</summary>
    internal static string ReplayTextOf(Position? start) => start is { } position ? TextOf(position) : ReplayFromOrigin;

    private static Position ParsePosition(string text)
    {
        var slash = text.LastIndexOf('/');
        return new(text[..slash], long.Parse(text[(slash + 1)..], CultureInfo.InvariantCulture));
    }
}
