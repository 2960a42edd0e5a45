using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KinesisGrains.Silo.Health;

/// <summary>The readiness probe's check: <see cref="StreamReadiness"/> as an ASP.NET Core health check tagged <c>ready</c>.</summary>
internal sealed class StreamReadinessHealthCheck(StreamReadiness readiness) : IHealthCheck
{
    public const string ReadyTag = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var report = readiness.Check();
        var data = new Dictionary<string, object>
        {
            ["openShards"] = report.OpenShards,
            ["leasesHeld"] = report.LeasesHeld,
            ["receiversRunning"] = report.ReceiversRunning,
        };
        return Task.FromResult(report.Ready ? HealthCheckResult.Healthy(report.Reason, data) : HealthCheckResult.Unhealthy(report.Reason, data: data));
    }
}
