using KinesisGrains.KeyedState.ExactlyOnce;

namespace KinesisGrains.KeyedState.Rescaling;

/// <summary>What a rescale of one state made: per new partition, its keys and its merged ledger.</summary>
internal sealed record RescaleResult(IReadOnlyList<long> KeysPerPartition, IReadOnlyList<PartitionLedger> Ledgers)
{
    /// <summary>New partitions whose ledger keeps floors (parts held to different points).</summary>
    public int PartitionsWithFloors => Ledgers.Count(l => l.Floors.Count > 0);
}
