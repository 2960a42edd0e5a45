using KinesisGrains.Abstractions.DeadLetters;

namespace KinesisGrains.KeyedState.Storage;

/// <summary>
/// A dead letter staged in a partition's store (key kind 2) in the same write as the state and marks it goes with,
/// until a barrier made it durable and it was written out.
/// </summary>
/// <param name="Epoch">The epoch of the first barrier that makes it durable: its file's epoch, wherever and however often it is written out.</param>
internal sealed record StagedDeadLetter(long Epoch, DeadLetter Letter);
