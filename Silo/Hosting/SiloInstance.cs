using KinesisGrains.Kinesis.Source;
using KinesisGrains.Runtime.Partitions;

namespace KinesisGrains.Silo.Hosting;

/// <summary>A started silo: its endpoint, source and grains; dispose to stop it gracefully (final checkpoints).</summary>
public sealed class SiloInstance : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IAsyncDisposable? _deadLetters;
    private readonly IReadOnlyList<IDisposable> _resources;
    private int _stopped;

    internal SiloInstance(WebApplication app, Uri httpEndpoint, KinesisStreamSource source, GrainRuntime runtime, IAsyncDisposable? deadLetters, IReadOnlyList<IDisposable> resources)
    {
        _app = app;
        HttpEndpoint = httpEndpoint;
        Source = source;
        Runtime = runtime;
        _deadLetters = deadLetters;
        _resources = resources;
    }

    public Uri HttpEndpoint { get; }

    public KinesisStreamSource Source { get; }

    public GrainRuntime Runtime { get; }

    /// <summary>Completes when the host is asked to stop (SIGTERM, Ctrl+C).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        // The source stops first: its receivers finish their batch and checkpoint; then grains and the store close.
        await Source.StopAsync(CancellationToken.None);
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Runtime.DisposeAsync();

        // After the runtime: its last batches may still dead-letter records, which are shipped before the end.
        await (_deadLetters?.DisposeAsync() ?? ValueTask.CompletedTask);
        foreach (var resource in _resources)
        {
            resource.Dispose();
        }
    }
}
