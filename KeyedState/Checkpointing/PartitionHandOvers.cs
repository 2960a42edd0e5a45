using System.Collections.Concurrent;
using Orleans.Runtime;

namespace KinesisGrains.KeyedState.Checkpointing;

/// <summary>
/// The partition activations of this silo that were asked to hand their state over and have not finished: each is
/// begun when its grain is asked (<see cref="Abstractions.KeyedState.IPartitionCheckpoint.HandOverAsync"/>) and ended
/// when its deactivation's last snapshot and sink commits are done. A live operation waits for these, and not for an
/// activation a query woke again since, which was never asked and is fenced by the operation instead.
/// </summary>
internal sealed class PartitionHandOvers(TimeProvider? time = null)
{
    /// <summary>
    /// Orleans cancels a deactivation after its timeout (set to this for partition grains' silos, whose hand-overs upload
    /// snapshots), and one asked for that never began (its activation gone some other way) would hold every later wait:
    /// a hand-over older than this is not waited for.
    /// </summary>
    internal static readonly TimeSpan GivenUpAfter = TimeSpan.FromMinutes(2);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<GrainId, (TaskCompletionSource Done, DateTimeOffset Asked)> _deactivating = new();

    /// <summary>Hand-overs asked for and not finished.</summary>
    public int Pending => _deactivating.Count;

    public void Begin(GrainId partition) =>
        _deactivating.TryAdd(partition, (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), _time.GetUtcNow()));

    public void End(GrainId partition)
    {
        if (_deactivating.TryRemove(partition, out var handOver))
        {
            handOver.Done.TrySetResult();
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the hand-overs pending now; returns how many are still pending.</summary>
    public async Task<int> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        foreach (var (partition, handOver) in _deactivating)
        {
            if (_time.GetUtcNow() - handOver.Asked > GivenUpAfter)
            {
                End(partition);
            }
        }

        var pending = _deactivating.Values.Select(d => d.Done.Task).ToArray();
        try
        {
            await Task.WhenAll(pending).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
        }

        return Pending;
    }
}
