using KinesisGrains.Kinesis.Source;
using KinesisGrains.Runtime.Partitions;
using KinesisGrains.Runtime.Serialization;
using KinesisGrains.Silo.Checkpointing;

namespace KinesisGrains.Silo.Endpoints;

/// <summary><c>GET /status</c>: the silo's shards and their progress; <c>GET /health</c>: liveness.</summary>
public static class StatusEndpoints
{
    public static IEndpointRouteBuilder MapStatus(this IEndpointRouteBuilder endpoints, SiloStatus status)
    {
        endpoints.MapGet("/status", () => Results.Json(status.Snapshot(), StateSerializer.Options));
        endpoints.MapGet("/health", () => Results.Text("ok"));
        return endpoints;
    }
}

/// <summary>What the status endpoint reports.</summary>
public sealed class SiloStatus(string siloId, string applicationName, string streamName, KinesisStreamSource source, GrainRuntime runtime, S3StateSnapshotter? snapshots)
{
    public SiloStatusSnapshot Snapshot()
    {
        var shards = source.Progress;
        return new SiloStatusSnapshot(
            siloId,
            applicationName,
            streamName,
            source.IsCaughtUp,
            shards.Sum(s => s.RecordsRead),
            shards.Sum(s => s.EventsApplied),
            shards.Sum(s => s.DeadLettered),
            runtime.Map.PartitionCount,
            runtime.ActivationCount,
            source.Checkpointer.Cycles,
            source.Checkpointer.LastCheckpointAt,
            snapshots?.LastSnapshot,
            source.Buffer.MemoryBytes,
            source.Buffer.SpilledBytes,
            shards);
    }
}

public sealed record SiloStatusSnapshot(
    string SiloId,
    string ApplicationName,
    string StreamName,
    bool CaughtUp,
    long RecordsRead,
    long EventsApplied,
    long DeadLettered,
    int Partitions,
    int Activations,
    long CheckpointCycles,
    DateTimeOffset? LastCheckpointAt,
    SnapshotStatistics? LastSnapshot,
    long FetchBufferMemoryBytes,
    long FetchBufferSpilledBytes,
    IReadOnlyCollection<ShardProgressSnapshot> Shards);
