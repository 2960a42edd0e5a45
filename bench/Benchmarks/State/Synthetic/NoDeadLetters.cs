using KinesisGrains.Abstractions.DeadLetters;

namespace KinesisGrains.Benchmarks.State.Synthetic;

/// <summary>The synthetic records are all good: a dead letter means the benchmark is broken.</summary>
internal sealed class NoDeadLetters : IDeadLetterQueue
{
    public void Write(DeadLetterBatch batch) =>
        throw new InvalidOperationException($"A synthetic record was dead-lettered: {batch.Letters[0].Reason}");
}
