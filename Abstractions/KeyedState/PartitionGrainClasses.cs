namespace KinesisGrains.Abstractions.KeyedState;

/// <summary>
/// The keyed-state partition grain classes a silo hosts (one <see cref="PartitionGrainClass"/> registration each):
/// the source calls each one's checkpoint barrier before it moves shard checkpoints.
/// </summary>
internal sealed class PartitionGrainClasses(IEnumerable<PartitionGrainClass> registrations)
{
    public IReadOnlyList<Type> Classes { get; } = registrations.Select(r => r.GrainClass).Distinct().ToList();
}

/// <summary>Registers one keyed-state partition grain class with the silo's services.</summary>
internal sealed record PartitionGrainClass(Type GrainClass);
