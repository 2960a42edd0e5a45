namespace KinesisGrains.Streaming.Kinesis.Control;

/// <summary>One silo's forced checkpoint cycle of a request (<see cref="KinesisStreamCommands"/>).</summary>
/// <param name="Silo">The silo's address (its worker id until its balancer started).</param>
/// <param name="Application">The silo's Silo:ApplicationName: a caller checks it reached the application it meant.</param>
/// <param name="Cycle">The number of the silo's completed checkpoint cycle that ran the barrier.</param>
/// <param name="Error">Why the cycle failed, one sentence.</param>
[GenerateSerializer, Immutable]
internal sealed record ForcedCheckpointReport(
    [property: Id(0)] string RequestId,
    [property: Id(1)] string Silo,
    [property: Id(2)] string WorkerId,
    [property: Id(3)] string Application,
    [property: Id(4)] ForcedCheckpointState State,
    [property: Id(5)] DateTimeOffset? RequestedAt = null,
    [property: Id(6)] DateTimeOffset? CompletedAt = null,
    [property: Id(7)] long? Cycle = null,
    [property: Id(8)] string? Error = null);

/// <summary>Where a silo's forced checkpoint cycle is.</summary>
[GenerateSerializer]
internal enum ForcedCheckpointState
{
    /// <summary>The silo has no such request: it started after it was sent (or forgot it, among many later ones).</summary>
    Unknown,
    Running,
    Completed,
    Failed,
}
