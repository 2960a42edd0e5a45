using KinesisGrains.KeyedState.ExactlyOnce;

namespace KinesisGrains.KeyedState.Rescaling;

/// <summary>What a rescale of one state made: per new partition its merged ledger, and how the keys got there.</summary>
/// <param name="Spread">True when the state keeps a part of a key in each partition, moved part by part.</param>
/// <param name="PartitionsMergingParts">New partitions given parts of one key from several old ones, which they merge when they open.</param>
/// <param name="KeysCopied">Keys read and written one by one (the rest moved with their key-group ranges).</param>
/// <param name="PartitionsCutByRange">New partitions made from a copy of an old store, cut to their key groups by range.</param>
internal sealed record RescaleResult(IReadOnlyList<PartitionLedger> Ledgers, bool Spread, int PartitionsMergingParts, long KeysCopied, int PartitionsCutByRange)
{
    /// <summary>New partitions whose ledger keeps floors (parts held to different points).</summary>
    public int PartitionsWithFloors => Ledgers.Count(l => l.Floors.Count > 0);
}
