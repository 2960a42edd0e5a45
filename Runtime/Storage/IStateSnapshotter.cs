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
    Task SnapshotAsync(IReadOnlyList<SourcePosition> positions, CancellationToken cancellationToken);
}

/// <summary>A source shard's checkpoint: a sequence number and sub-sequence number, or a sentinel such as SHARD_END.</summary>
public readonly record struct SourcePosition(string ShardId, string Checkpoint, long SubSequenceNumber)
{
    public override string ToString() => $"{Checkpoint}/{SubSequenceNumber}";

    public static SourcePosition Parse(string shardId, string text)
    {
        var slash = text.LastIndexOf('/');
        return new SourcePosition(shardId, text[..slash], long.Parse(text[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
