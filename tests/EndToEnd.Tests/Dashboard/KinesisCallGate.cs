namespace KinesisGrains.Tests.Dashboard;

/// <summary>Holds back one Kinesis operation (by its X-Amz-Target) until opened; every other call passes through.</summary>
public sealed class KinesisCallGate(string operation) : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int _held;

    /// <summary>Calls held back so far.</summary>
    public int Held => Volatile.Read(ref _held);

    public void Open() => _open.TrySetResult();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Headers.TryGetValues("X-Amz-Target", out var targets) && targets.Any(t => t.EndsWith("." + operation, StringComparison.Ordinal)) && !_open.Task.IsCompleted)
        {
            Interlocked.Increment(ref _held);
            await _open.Task.WaitAsync(cancellationToken);
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
