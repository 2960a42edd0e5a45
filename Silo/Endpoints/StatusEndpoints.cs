using KinesisGrains.Kinesis.Source;
using KinesisGrains.Kinesis.Streaming;
using KinesisGrains.Runtime.Serialization;
using KinesisGrains.Silo.Configuration;

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
public sealed class SiloStatus(string siloId, SiloConfiguration configuration, Func<KinesisStreamContext> source)
{
    public SiloStatusSnapshot Snapshot()
    {
        var context = source();
        var shards = context.Progress;
        return new SiloStatusSnapshot(
            siloId,
            configuration.Silo.ApplicationName,
            configuration.Source.StreamName,
            context.IsCaughtUp,
            shards.Sum(s => s.RecordsRead),
            shards.Sum(s => s.EventsApplied),
            shards.Sum(s => s.DeadLettered),
            configuration.Grains.PartitionCount,
            context.Checkpointer.Cycles,
            context.Checkpointer.LastCheckpointAt,
            context.Buffer.MemoryBytes,
            context.Buffer.SpilledBytes,
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
    long CheckpointCycles,
    DateTimeOffset? LastCheckpointAt,
    long FetchBufferMemoryBytes,
    long FetchBufferSpilledBytes,
    IReadOnlyCollection<ShardProgressSnapshot> Shards);
