using System.Text.Json;
using KinesisGrains.Silo.Health;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KinesisGrains.Silo.Endpoints;

/// <summary>
/// Probes for a load balancer or Kubernetes: <c>GET /health/live</c> answers 200 while the process serves HTTP;
/// <c>GET /health/ready</c> answers 200 when the silo reads its share of the stream and 503 with the reason otherwise.
/// Both answer JSON and are never cached.
/// </summary>
public static class HealthEndpoints
{
    public static IServiceCollection AddSiloHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<StreamReadinessHealthCheck>("kinesis-stream", tags: [StreamReadinessHealthCheck.ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapSiloHealth(this IEndpointRouteBuilder endpoints)
    {
        // Liveness runs no check: a silo waiting on Kinesis is alive, and restarting it would not help.
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(StreamReadinessHealthCheck.ReadyTag), ResponseWriter = WriteAsync });
        return endpoints;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var ready = report.Status == HealthStatus.Healthy;
        var checks = report.Entries.ToDictionary(
            e => e.Key,
            e => new { status = e.Value.Status.ToString(), reason = e.Value.Description, data = e.Value.Data });
        var reason = report.Entries.Values.Select(e => e.Description).FirstOrDefault(d => d is not null) ?? (ready ? "The silo is running." : "Unhealthy.");
        return context.Response.WriteAsync(JsonSerializer.Serialize(new { status = report.Status.ToString(), reason, checks }));
    }
}
