namespace KinesisGrains.Runtime.KeyedState;

/// <summary>
/// The keyed-state partition grain classes a silo hosts: the source calls each one's checkpoint barrier before it
/// moves shard checkpoints.
/// </summary>
public sealed class PartitionGrainClasses
{
    private readonly List<Type> _classes = [];

    public IReadOnlyList<Type> Classes => _classes;

    public void Add(Type grainClass)
    {
        if (!_classes.Contains(grainClass))
        {
            _classes.Add(grainClass);
        }
    }
}
