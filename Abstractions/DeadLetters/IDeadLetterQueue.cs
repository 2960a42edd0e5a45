namespace KinesisGrains.Abstractions.DeadLetters;

/// <summary>
/// Where records go that could not be processed (undecodable data, logic that threw), with the reason, so that bad
/// input stops nothing and loses nothing. A partition stages its dead letters in its store with the state and hands
/// them over only once a checkpoint barrier made them durable; it may hand the same ones over again (a crash before
/// it deleted them, a restored snapshot), so writing must be idempotent.
/// </summary>
public interface IDeadLetterQueue
{
    /// <summary>
    /// Writes the letters a partition made durable: once per record, whatever was written before (a record whose
    /// letter is already written is left out).
    /// </summary>
    void Write(DeadLetterBatch batch);
}

/// <summary>Dead letters of one partition that the checkpoint barrier of <paramref name="Epoch"/> first made durable.</summary>
/// <param name="Source">The partition: <c>{state}.p-{partition:D5}</c>.</param>
public sealed record DeadLetterBatch(string Source, long Epoch, IReadOnlyList<DeadLetter> Letters);
