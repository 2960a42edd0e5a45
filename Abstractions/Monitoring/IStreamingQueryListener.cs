namespace KinesisGrains.Abstractions.Monitoring;

/// <summary>
/// Hears about a silo's stream query (the model is Spark's <c>StreamingQueryListener</c>). Register with
/// <c>siloBuilder.AddStreamingQueryListener&lt;T&gt;()</c>. Calls come one at a time, in order, from a background
/// task, never from the receivers or grains: a slow listener delays only later events to listeners, and one that
/// throws is logged and the stream goes on.
/// </summary>
public interface IStreamingQueryListener
{
    /// <summary>The silo's stream provider started reading.</summary>
    void OnQueryStarted(QueryStartedEvent queryStarted)
    {
    }

    /// <summary>A commit cycle made a progress record.</summary>
    void OnQueryProgress(QueryProgressEvent queryProgress);

    /// <summary>A commit cycle found nothing read and nothing delivered: the query waits for data.</summary>
    void OnQueryIdle(QueryIdleEvent queryIdle)
    {
    }

    /// <summary>The silo stopped reading (graceful stop; <see cref="QueryTerminatedEvent.Exception"/> says why otherwise).</summary>
    void OnQueryTerminated(QueryTerminatedEvent queryTerminated)
    {
    }
}
