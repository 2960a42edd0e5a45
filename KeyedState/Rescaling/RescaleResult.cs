using KinesisGrains.KeyedState.ExactlyOnce;

namespace KinesisGrains.KeyedState.Rescaling;

/// <summary>What a rescale of one state made: per new partition, its keys and its merged ledger.</summary>
/// <param name="Spread">True when the state keeps a part of a key in each partition, moved part by part.</param>
internal sealed record RescaleResult(IReadOnlyList<long> KeysPerPartition, IReadOnlyList<PartitionLedger> Ledgers, bool Spread)
{
    /// <summary>New partitions whose ledger keeps floors (parts held to different points).</summary>
    public int PartitionsWithFloors => Ledgers.Count(l => l.Floors.Count > 0);
}
