namespace KinesisGrains.Abstractions.ExactlyOnce;

/// <summary>What a silo's hand-over of its partitions did (<see cref="ICheckpointGate.HandOverAsync"/>).</summary>
/// <param name="Partitions">Partitions active on the silo that were asked to deactivate.</param>
/// <param name="StillDeactivating">Of those, the ones whose final snapshot or sink commits were not done when the wait ended.</param>
internal sealed record PartitionHandOver(int Partitions, int StillDeactivating);
