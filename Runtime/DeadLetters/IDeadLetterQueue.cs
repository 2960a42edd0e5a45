using KinesisGrains.Runtime.Streams;

namespace KinesisGrains.Runtime.DeadLetters;

/// <summary>
/// Where records go that could not be processed (undecodable data, a handler or grain that threw), with the reason,
/// so that bad input stops nothing and loses nothing.
/// </summary>
public interface IDeadLetterQueue
{
    void Add(StreamRecord record, string reason);
}
