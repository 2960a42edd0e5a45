using KinesisGrains.Runtime.KeyedState;
using KinesisGrains.Runtime.Storage;
using Orleans;

namespace KinesisGrains.Kinesis.Streaming;

/// <summary>
/// The snapshot step of a checkpoint cycle: every partition grain of every keyed-state class persists, after every
/// delivery that completed before the call (a non-reentrant grain runs calls in order). Shards a partition cannot
/// vouch for keep their checkpoints where they are.
/// </summary>
public sealed class PartitionCheckpointBarrier(IGrainFactory grains, PartitionGrainClasses classes, int partitionCount) : IStateSnapshotter
{
    public async Task<IReadOnlyCollection<string>> SnapshotAsync(IReadOnlyList<SourcePosition> positions, CancellationToken cancellationToken)
    {
        var array = positions.ToArray();
        var calls = new List<Task<string[]>>(classes.Classes.Count * partitionCount);
        foreach (var grainClass in classes.Classes)
        {
            for (var partition = 0; partition < partitionCount; partition++)
            {
                calls.Add(grains.GetGrain<IPartitionCheckpoint>(partition, grainClass.FullName).PersistAsync(array));
            }
        }

        var uncovered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var shards in await Task.WhenAll(calls).WaitAsync(cancellationToken))
        {
            uncovered.UnionWith(shards);
        }

        return uncovered;
    }
}
