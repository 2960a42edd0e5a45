using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.KeyedState.ExactlyOnce;

/// <summary>The ledger's answer to a batch (From, To] of a shard.</summary>
/// <param name="Accepted">False: the partition cannot prove it holds the shard up to From; nothing of the batch may be applied.</param>
/// <param name="SkipUpTo">Events at or below this position were applied before (a redelivery) and are skipped.</param>
internal readonly record struct BatchAdmission(bool Accepted, Position? SkipUpTo)
{
    public static BatchAdmission Refused => new(false, null);

    /// <summary>True when an accepted batch's event at <paramref name="position"/> is new to the partition.</summary>
    public bool IsNew(Position position) => SkipUpTo is not { } mark || position > mark;
}
