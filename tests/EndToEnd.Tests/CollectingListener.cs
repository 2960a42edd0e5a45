using System.Collections.Concurrent;
using KinesisGrains.Abstractions.Monitoring;

namespace KinesisGrains.Tests;

/// <summary>Keeps every event it hears, in order.</summary>
public sealed class CollectingListener : IStreamingQueryListener
{
    public ConcurrentQueue<object> Events { get; } = new();

    public IReadOnlyList<StreamingQueryProgress> Progress => [.. Events.OfType<QueryProgressEvent>().Select(e => e.Progress)];

    public void OnQueryStarted(QueryStartedEvent queryStarted) => Events.Enqueue(queryStarted);

    public void OnQueryProgress(QueryProgressEvent queryProgress) => Events.Enqueue(queryProgress);

    public void OnQueryIdle(QueryIdleEvent queryIdle) => Events.Enqueue(queryIdle);

    public void OnQueryTerminated(QueryTerminatedEvent queryTerminated) => Events.Enqueue(queryTerminated);
}

/// <summary>Throws on every event: the stream and the other listeners must not notice.</summary>
public sealed class ThrowingListener : IStreamingQueryListener
{
    private int _calls;

    public int Calls => _calls;

    public void OnQueryStarted(QueryStartedEvent queryStarted) => Throw();

    public void OnQueryProgress(QueryProgressEvent queryProgress) => Throw();

    public void OnQueryIdle(QueryIdleEvent queryIdle) => Throw();

    private void Throw()
    {
        Interlocked.Increment(ref _calls);
        throw new InvalidOperationException("a listener that always fails");
    }
}
