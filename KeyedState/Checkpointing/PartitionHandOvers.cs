using System.Collections.Concurrent;
using Orleans.Runtime;

namespace KinesisGrains.KeyedState.Checkpointing;

/// <summary>
/// The partition activations of this silo that were asked to hand their state over and have not finished: each is
/// begun when its grain is asked (<see cref="Abstractions.KeyedState.IPartitionCheckpoint.HandOverAsync"/>) and ended
/// when its deactivation's last snapshot and sink commits are done. A live operation waits for these, and not for an
/// activation a query woke again since, which was never asked and is fenced by the operation instead.
/// </summary>
internal sealed class PartitionHandOvers
{
    private readonly ConcurrentDictionary<GrainId, TaskCompletionSource> _deactivating = new();

    /// <summary>Hand-overs asked for and not finished.</summary>
    public int Pending => _deactivating.Count;

    public void Begin(GrainId partition) =>
        _deactivating.TryAdd(partition, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public void End(GrainId partition)
    {
        if (_deactivating.TryRemove(partition, out var done))
        {
            done.TrySetResult();
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the hand-overs pending now; returns how many are still pending.</summary>
    public async Task<int> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var pending = _deactivating.Values.Select(d => d.Task).ToArray();
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
