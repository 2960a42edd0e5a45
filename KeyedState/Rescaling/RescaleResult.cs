using KinesisGrains.KeyedState.ExactlyOnce;

namespace KinesisGrains.KeyedState.Rescaling;

/// <summary>What a rescale of one state made: per new partition, its keys and its merged ledger.</summary>
/// <param name="Spread">True when the state keeps a part of a key in each partition, moved part by part.</param>
/// <param name="PartitionsMergingParts">New partitions given parts of one key from several old ones, which they merge when they open.</param>
internal sealed record RescaleResult(IReadOnlyList<long> KeysPerPartition, IReadOnlyList<PartitionLedger> Ledgers, bool Spread, int PartitionsMergingParts)
{
    /// <summary>New partitions whose ledger keeps floors (parts held to different points).</summary>
    public int PartitionsWithFloors => Ledgers.Count(l => l.Floors.Count > 0);
}
