namespace KinesisGrains.Streaming.Kinesis.Control;

/// <summary>One silo's answer to <see cref="KinesisStreamCommands.AdoptPartitionCount"/>.</summary>
/// <param name="Silo">The silo's address (its worker id until its balancer started).</param>
/// <param name="Application">The silo's Silo:ApplicationName: a caller checks it reached the application it meant.</param>
/// <param name="PartitionCount">The partition count the silo routes records and queries by after the command.</param>
/// <param name="Recorded">The partition count the lease table records; null when it records none.</param>
/// <param name="Error">Why the silo could not take the recorded count, one sentence.</param>
[GenerateSerializer, Immutable]
internal sealed record PartitionCountReport(
    [property: Id(0)] string Silo,
    [property: Id(1)] string Application,
    [property: Id(2)] int PartitionCount,
    [property: Id(3)] int? Recorded,
    [property: Id(4)] string? Error = null);
