namespace KinesisGrains.Streaming.Kinesis.Control;

/// <summary>One silo's hand-over of its partitions (<see cref="KinesisStreamCommands.HandOverPartitions"/>).</summary>
/// <param name="Silo">The silo's address (its worker id until its balancer started).</param>
/// <param name="Application">The silo's Silo:ApplicationName: a caller checks it reached the application it meant.</param>
/// <param name="Partitions">How many partitions active on the silo were asked to deactivate.</param>
/// <param name="PausedSince">Since when the silo saw the application's input paused; null: it did not (yet).</param>
/// <param name="HeldShards">The shard leases the silo still holds.</param>
/// <param name="Error">Why the hand-over failed, one sentence.</param>
/// <param name="StillDeactivating">Partitions whose final snapshot or sink commits were not done yet when the silo answered.</param>
[GenerateSerializer, Immutable]
internal sealed record PartitionHandOverReport(
    [property: Id(0)] string Silo,
    [property: Id(1)] string Application,
    [property: Id(2)] int Partitions,
    [property: Id(3)] DateTimeOffset? PausedSince,
    [property: Id(4)] int HeldShards,
    [property: Id(5)] string? Error = null,
    [property: Id(6)] int StillDeactivating = 0);
