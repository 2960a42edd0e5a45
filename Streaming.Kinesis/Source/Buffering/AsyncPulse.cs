namespace KinesisGrains.Streaming.Kinesis.Source.Buffering;

/// <summary>
/// Wakes every waiting producer when budget is given back. Waiters register first and check after, and the
/// releaser frees first and looks for waiters after (both through full fences), so no release is missed; with no
/// waiters a release costs one volatile read.
/// </summary>
internal sealed class AsyncPulse
{
    private TaskCompletionSource _next = New();
    private int _waiters;

    /// <summary>Call before the check that decides to wait; pair with <see cref="Exit"/>.</summary>
    public void Enter() => Interlocked.Increment(ref _waiters);

    public void Exit() => Interlocked.Decrement(ref _waiters);

    /// <summary>Completes at the next <see cref="Pulse"/>; read it before the check, after <see cref="Enter"/>.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Pulse()
    {
        if (Volatile.Read(ref _waiters) != 0)
        {
            Interlocked.Exchange(ref _next, New()).TrySetResult();
        }
    }

    // Continuations run on the pool, never inline under the releaser's locks.
    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
