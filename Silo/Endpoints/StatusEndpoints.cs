using KinesisGrains.Abstractions.Serialization;

namespace KinesisGrains.Silo.Endpoints;

/// <summary><c>GET /status</c>: the silo's shards, partitions and their progress; <c>GET /health</c>: liveness as plain text.</summary>
internal static class StatusEndpoints
{
    public static IEndpointRouteBuilder MapStatus(this IEndpointRouteBuilder endpoints, SiloStatus status)
    {
        endpoints.MapGet("/status", () => Results.Json(status.Snapshot(), StateSerializer.Options));
        endpoints.MapGet("/health", () => Results.Text("ok"));
        return endpoints;
    }
}
