namespace KinesisGrains.Runtime.Streams;

/// <summary>
/// Implemented by a grain that consumes a stream (an implicit subscription: every key that appears in the stream
/// activates its grain). Called one event at a time, in shard order, on the grain's partition thread.
/// </summary>
public interface IStreamConsumer<TEvent>
{
    void OnNext(TEvent item, in StreamEventInfo info);
}
