using KinesisGrains.Streaming.Kinesis.Monitoring;
using KinesisGrains.Abstractions.Monitoring;

namespace KinesisGrains.Silo.Endpoints;

/// <summary>
/// <c>GET /progress</c>: the silo's recent progress records, oldest first (at most <c>Metrics:RetainedProgress</c>);
/// <c>GET /progress/last</c>: the newest one, or 204 No Content before the first.
/// </summary>
internal static class ProgressEndpoints
{
    public static IEndpointRouteBuilder MapProgress(this IEndpointRouteBuilder endpoints, Func<StreamingProgressTracker> monitor)
    {
        endpoints.MapGet("/progress", () => Results.Json(monitor().Recent.ToList(), StreamingQueryProgress.JsonOptions));
        endpoints.MapGet("/progress/last", () => monitor().Last is { } last ? Results.Json(last, StreamingQueryProgress.JsonOptions) : Results.NoContent());
        return endpoints;
    }
}
