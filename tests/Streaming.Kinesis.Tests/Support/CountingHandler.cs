using System.Collections.Concurrent;

namespace KinesisGrains.Tests.Support;

/// <summary>Passes requests on to the real emulator, keeping the operation and body of each for assertions.</summary>
internal sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly ConcurrentQueue<(string Target, string Body)> _requests = new();

    public IReadOnlyList<(string Target, string Body)> Requests => [.. _requests];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.Single() : "";
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        _requests.Enqueue((target, body));
        return await base.SendAsync(request, cancellationToken);
    }
}
