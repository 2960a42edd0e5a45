using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Abstractions.Views;
using Orleans;

namespace KinesisGrains.KeyedState.Checkpointing;

/// <summary>
/// The snapshot step of a checkpoint cycle: every partition grain of every keyed-state class persists, after every
/// delivery that completed before the call (a non-reentrant grain runs calls in order), then every partition's
/// snapshot is awaited outside the partitions' turns, with the sinks' commits of the rows it staged. Shards a partition cannot
/// vouch for keep their checkpoints where they are and are replayed from the earliest point a partition holds.
/// </summary>
/// <remarks>
/// Each class consumes one view of the stream (<see cref="PartitionGrainViews"/>), and partition p of it is told the
/// LastSent of its own lane (view, p): the batches of another view's lane p carry the same shard positions but not the
/// same events. A class subscribed to none of the provider's views is not fed by it, and not asked.
/// </remarks>
/// <param name="report">Gets what every partition did since its previous barrier (the state part of a progress record).</param>
/// <param name="local">Which partitions are active on this silo (a hand-over deactivates those alone); null: none is.</param>
/// <param name="options">The silo's keyed-state settings, whose partition count the query grains route by; a live rescale changes it.</param>
/// <param name="handOvers">The hand-overs of this silo's partitions under way.</param>
internal sealed class PartitionCheckpointBarrier(
    IGrainFactory grains,
    PartitionGrainClasses classes,
    StreamLanes lanes,
    Action<IReadOnlyList<PartitionProgress>>? report = null,
    ILocalActivationStatusChecker? local = null,
    KeyedStateOptions? options = null,
    PartitionHandOvers? handOvers = null) : ICheckpointGate
{
    /// <summary>
    /// How long a hand-over waits for its partitions to go before it answers: well within the response timeout of the
    /// control call (kgrains' client gives up after 10 s), which asks again while some are left.
    /// </summary>
    internal static readonly TimeSpan HandOverWait = TimeSpan.FromSeconds(5);

    // (class, its view); checked by PartitionGrainViews.Problems at start: one view per class.
    private readonly List<(Type GrainClass, int View)> _consumers = [.. classes.Classes
        .Select(c => (GrainClass: c, Views: PartitionGrainViews.Of(c, lanes)))
        .Where(c => c.Views.Count > 0)
        .Select(c => (c.GrainClass, c.Views[0]))];

    public async Task<IReadOnlyList<ShardGap>> SnapshotAsync(IReadOnlyList<ShardDelivery> deliveries, CancellationToken cancellationToken)
    {
        var partitionCount = lanes.PartitionCount;
        var calls = new List<Task<PartitionPersistResult>>(_consumers.Count * partitionCount);
        for (var partition = 0; partition < partitionCount; partition++)
        {
            foreach (var (grainClass, view) in _consumers)
            {
                var lane = lanes.LaneOf(view, partition);
                var barriers = new ShardBarrier[deliveries.Count];
                for (var i = 0; i < barriers.Length; i++)
                {
                    barriers[i] = deliveries[i].BarrierFor(lane);
                }

                calls.Add(grains.GetGrain<IPartitionCheckpoint>(partition, grainClass.FullName).PersistAsync(barriers));
            }
        }

        var results = await Task.WhenAll(calls).WaitAsync(cancellationToken);

        // Only durable state may be vouched for: the checkpoints move after every upload is done.
        var durable = new List<Task<PartitionDurableResult>>(results.Length);
        var index = 0;
        for (var partition = 0; partition < partitionCount; partition++)
        {
            foreach (var (grainClass, _) in _consumers)
            {
                durable.Add(grains.GetGrain<IPartitionCheckpoint>(partition, grainClass.FullName).AwaitDurableAsync(results[index++].Epoch));
            }
        }

        var uploaded = await Task.WhenAll(durable).WaitAsync(cancellationToken);
        report?.Invoke([.. results.Select((r, i) => r.Progress with { SnapshotBytes = uploaded[i].SnapshotBytes, Sinks = uploaded[i].Sinks })]);
        return [.. results.SelectMany(r => r.Gaps)];
    }

    public async Task<PartitionHandOver> HandOverAsync(CancellationToken cancellationToken)
    {
        if (local is null)
        {
            return new PartitionHandOver(0, 0);
        }

        // Only those active here: calling the others would activate them (a restore) just to deactivate them, and every
        // silo hands over its own.
        var active = new List<IPartitionCheckpoint>();
        for (var partition = 0; partition < lanes.PartitionCount; partition++)
        {
            foreach (var (grainClass, _) in _consumers)
            {
                var grain = grains.GetGrain<IPartitionCheckpoint>(partition, grainClass.FullName);
                if (local.IsLocallyActivated(grain.GetGrainId()))
                {
                    active.Add(grain);
                }
            }
        }

        await Task.WhenAll(active.Select(a => a.HandOverAsync())).WaitAsync(cancellationToken);
        return new PartitionHandOver(active.Count, await AwaitHandOverAsync(cancellationToken));
    }

    /// <summary>
    /// Waits for the hand-overs under way (their final snapshots and sink commits) up to <see cref="HandOverWait"/>; one
    /// a query activated again meanwhile is not waited for: the pointers a tool changes next fence it (its snapshots
    /// cannot be committed, so it deactivates at its next barrier and the shards it missed are replayed).
    /// </summary>
    public Task<int> AwaitHandOverAsync(CancellationToken cancellationToken) =>
        handOvers?.WaitAsync(HandOverWait, cancellationToken) ?? Task.FromResult(0);

    public void PartitionCountChanged(int partitionCount)
    {
        options?.PartitionCount = partitionCount;
    }
}
