namespace KinesisGrains.Abstractions.Streams;

/// <summary>
/// Turns a record into the grain key it belongs to and the event the grain consumes. Throw (or return false with a
/// reason) for a record that cannot be decoded: it goes to the dead-letter store and processing goes on.
/// </summary>
public interface IStreamMessageHandler<TEvent>
{
    /// <summary>Decodes <paramref name="record"/>: its grain key and event, or false with the <paramref name="error"/> it is dead-lettered with.</summary>
    bool TryHandle(StreamRecord record, out string grainKey, out TEvent item, out string? error);
}
