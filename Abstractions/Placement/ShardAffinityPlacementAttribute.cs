using Orleans.Placement;

namespace KinesisGrains.Abstractions.Placement;

/// <summary>Marks a keyed-state partition grain class for <see cref="ShardAffinityPlacement"/> (inherited by subclasses).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = true)]
public sealed class ShardAffinityPlacementAttribute() : PlacementAttribute(ShardAffinityPlacement.Singleton);
