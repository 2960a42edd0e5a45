namespace KinesisGrains.Runtime.Storage;

/// <summary>
/// Makes the grain state applied so far durable (a snapshot in S3, or a flush when the local store is durable by
/// itself). The source checkpoints a shard only past records that were applied before a completed snapshot.
/// </summary>
public interface IStateSnapshotter
{
    /// <param name="positions">
    /// Where each source shard's checkpoint will be once this snapshot is done: kept with the snapshot, so that
    /// restoring an older snapshot knows where to replay from.
    /// </param>
    /// <returns>The shards whose positions the state cannot vouch for: their checkpoints must not move.</returns>
    Task<IReadOnlyCollection<string>> SnapshotAsync(IReadOnlyList<ShardDelivery> positions, CancellationToken cancellationToken);
}

/// <summary>
/// A shard's position with everything up to it delivered, and for each partition the end of the last batch it was
/// sent up to there (null: none since the receiver started at the shard's start).
/// </summary>
public sealed record ShardDelivery(SourcePosition Position, Streams.StreamSequenceToken?[] LastSentByPartition);

/// <summary>A source shard's checkpoint: a sequence number and sub-sequence number, or a sentinel such as SHARD_END.</summary>
[Orleans.GenerateSerializer, Orleans.Immutable]
public readonly record struct SourcePosition(
    [property: Orleans.Id(0)] string ShardId, [property: Orleans.Id(1)] string Checkpoint, [property: Orleans.Id(2)] long SubSequenceNumber)
{
    /// <summary>A checkpoint value that is a sequence number (digits), not one of the KCL's sentinels.</summary>
    public static bool IsSequenceNumberText(string checkpoint) => checkpoint.Length > 0 && char.IsAsciiDigit(checkpoint[0]);

    public override string ToString() => $"{Checkpoint}/{SubSequenceNumber}";

    public static SourcePosition Parse(string shardId, string text)
    {
        var slash = text.LastIndexOf('/');
        return new SourcePosition(shardId, text[..slash], long.Parse(text[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
