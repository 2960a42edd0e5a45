using Orleans;

namespace KinesisGrains.Abstractions.Monitoring;

/// <summary>
/// What one sink committed since the previous progress record (Spark's <c>sink</c> block): for one partition in a
/// <see cref="PartitionProgress"/>, summed over the partitions in <see cref="StreamingQueryProgress.Sinks"/>.
/// </summary>
/// <param name="Name">The sink's configured name (<c>Sinks:{name}</c>).</param>
/// <param name="Description">What it writes to, e.g. <c>DeltaSink[s3://bucket/path]</c>.</param>
/// <param name="NumOutputRows">Rows it wrote (rows of epochs it had committed before are not counted).</param>
/// <param name="CommitDurationMs">The longest commit of an epoch.</param>
/// <param name="LastCommittedVersion">The sink's own version of the newest commit (a Delta table version), when it has versions.</param>
/// <param name="EpochsBehind">Epochs whose rows are staged but not committed yet (its lag); over partitions, the largest.</param>
/// <param name="LastCommitAt">When the newest commit ended, UTC.</param>
[GenerateSerializer, Immutable]
public sealed record SinkProgress(
    [property: Id(0)] string Name,
    [property: Id(1)] string Description,
    [property: Id(2)] long NumOutputRows,
    [property: Id(3)] long CommitDurationMs,
    [property: Id(4)] long? LastCommittedVersion,
    [property: Id(5)] long EpochsBehind,
    [property: Id(6)] DateTimeOffset? LastCommitAt)
{
    /// <summary>The sum over partitions of one sink's progress.</summary>
    public static SinkProgress Combine(IReadOnlyList<SinkProgress> partitions) => new(
        partitions[0].Name,
        partitions[0].Description,
        partitions.Sum(p => p.NumOutputRows),
        partitions.Max(p => p.CommitDurationMs),
        partitions.Max(p => p.LastCommittedVersion),
        partitions.Max(p => p.EpochsBehind),
        partitions.Max(p => p.LastCommitAt));
}
