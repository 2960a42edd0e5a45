using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Monitoring;
using Orleans;

namespace KinesisGrains.KeyedState.Checkpointing;

/// <summary>
/// The snapshot step of a checkpoint cycle: every partition grain of every keyed-state class persists, after every
/// delivery that completed before the call (a non-reentrant grain runs calls in order), then every partition's
/// snapshot is awaited outside the partitions' turns, with the sinks' commits of the rows it staged. Shards a partition cannot
/// vouch for keep their checkpoints where they are and are replayed from the earliest point a partition holds.
/// </summary>
/// <param name="report">Gets what every partition did since its previous barrier (the state part of a progress record).</param>
public sealed class PartitionCheckpointBarrier(
    IGrainFactory grains, PartitionGrainClasses classes, int partitionCount, Action<IReadOnlyList<PartitionProgress>>? report = null) : ICheckpointGate
{
    public async Task<IReadOnlyList<ShardGap>> SnapshotAsync(IReadOnlyList<ShardDelivery> deliveries, CancellationToken cancellationToken)
    {
        var calls = new List<Task<PartitionPersistResult>>(classes.Classes.Count * partitionCount);
        for (var partition = 0; partition < partitionCount; partition++)
        {
            var barriers = new ShardBarrier[deliveries.Count];
            for (var i = 0; i < barriers.Length; i++)
            {
                barriers[i] = deliveries[i].BarrierFor(partition);
            }

            foreach (var grainClass in classes.Classes)
            {
                calls.Add(grains.GetGrain<IPartitionCheckpoint>(partition, grainClass.FullName).PersistAsync(barriers));
            }
        }

        var results = await Task.WhenAll(calls).WaitAsync(cancellationToken);

        // Only durable state may be vouched for: the checkpoints move after every upload is done.
        var durable = new List<Task<PartitionDurableResult>>(results.Length);
        var index = 0;
        for (var partition = 0; partition < partitionCount; partition++)
        {
            foreach (var grainClass in classes.Classes)
            {
                durable.Add(grains.GetGrain<IPartitionCheckpoint>(partition, grainClass.FullName).AwaitDurableAsync(results[index++].Epoch));
            }
        }

        var uploaded = await Task.WhenAll(durable).WaitAsync(cancellationToken);
        report?.Invoke([.. results.Select((r, i) => r.Progress with { SnapshotBytes = uploaded[i].SnapshotBytes, Sinks = uploaded[i].Sinks })]);
        return [.. results.SelectMany(r => r.Gaps)];
    }
}
