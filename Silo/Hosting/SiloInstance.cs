using KinesisGrains.Streaming.Kinesis;

namespace KinesisGrains.Silo.Hosting;

/// <summary>A started Orleans silo: its endpoints, its Kinesis source and grain factory; dispose to stop it gracefully (final checkpoints).</summary>
public sealed class SiloInstance : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IAsyncDisposable? _claim;
    private int _stopped;

    internal SiloInstance(WebApplication app, Uri httpEndpoint, KinesisStreamContext source, int gatewayPort, string clusterId, bool dashboards, IAsyncDisposable? claim)
    {
        _claim = claim;
        StreamingDashboard = dashboards ? new Uri(httpEndpoint, Endpoints.DashboardEndpoints.StreamingPagePath) : null;
        _app = app;
        HttpEndpoint = httpEndpoint;
        Source = source;
        GatewayPort = gatewayPort;
        ClusterId = clusterId;
    }

    /// <summary>Status, health and the dashboards.</summary>
    public Uri HttpEndpoint { get; }

    /// <summary>The streaming dashboard page; null when <c>Dashboard:Enabled</c> is false.</summary>
    public Uri? StreamingDashboard { get; }

    /// <summary>The Orleans gateway port on 127.0.0.1 for clients.</summary>
    public int GatewayPort { get; }

    public string ClusterId { get; }

    /// <summary>The Kinesis stream provider's shards and their progress on this silo.</summary>
    internal KinesisStreamContext Source { get; }

    /// <summary>Calls grains from inside the silo (tests, tools hosted with it).</summary>
    public IGrainFactory GrainFactory => _app.Services.GetRequiredService<IGrainFactory>();

    public IServiceProvider Services => _app.Services;

    /// <summary>Completes when the host is asked to stop (SIGTERM, Ctrl+C).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        // Orleans stops the pulling agents first (each receiver checkpoints what was delivered), then the grains.
        await _app.StopAsync();
        await _app.DisposeAsync();

        // Only once the final checkpoints are written may another silo take over the application.
        if (_claim is not null)
        {
            await _claim.DisposeAsync();
        }
    }
}
