using System.Collections.Concurrent;
using System.Diagnostics;

namespace KinesisGrains.Tests;

/// <summary>
/// Notes when the silo sends each Kinesis call, on the sender's own path: unlike a proxy's log of arrivals, no other
/// scheduling stands between the fetcher's pacing and the timestamp.
/// </summary>
internal sealed class KinesisCallRecorder() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly ConcurrentQueue<(long Timestamp, string Operation)> _calls = new();

    /// <summary>When each call of <paramref name="operation"/> was sent, in order.</summary>
    public IReadOnlyList<TimeSpan> SentAt(string operation) =>
        [.. _calls.Where(c => c.Operation == operation).Select(c => Stopwatch.GetElapsedTime(0, c.Timestamp))];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : "";
        _calls.Enqueue((Stopwatch.GetTimestamp(), target[(target.IndexOf('.') + 1)..]));
        return base.SendAsync(request, cancellationToken);
    }
}
