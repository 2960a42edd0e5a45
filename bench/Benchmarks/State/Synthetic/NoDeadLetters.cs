using KinesisGrains.Runtime.DeadLetters;
using KinesisGrains.Runtime.Streams;

namespace KinesisGrains.Benchmarks.State.Synthetic;

/// <summary>The synthetic records are all good: a dead letter means the benchmark is broken.</summary>
internal sealed class NoDeadLetters : IDeadLetterQueue
{
    public void Add(StreamRecord record, string reason) =>
        throw new InvalidOperationException($"A synthetic record was dead-lettered: {reason}");
}
