using System.Runtime.ExceptionServices;

namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>Starts one task per item and, on the first failure, cancels the others and rethrows that failure (not a sibling's cancellation).</summary>
internal static class Concurrently
{
    public static async Task RunAsync<T>(IEnumerable<T> items, Func<T, CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? first = null;
        var tasks = items.Select(async item =>
        {
            try
            {
                await action(item, failed.Token).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                Interlocked.CompareExchange(ref first, exception, null);
                await failed.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }).ToList();

        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch when (first is not null && !cancellationToken.IsCancellationRequested)
        {
            ExceptionDispatchInfo.Throw(first);
        }
    }

    /// <summary>Runs <paramref name="action"/> holding one slot of <paramref name="throttle"/>.</summary>
    public static async Task<T> ThrottledAsync<T>(SemaphoreSlim throttle, Func<Task<T>> action, CancellationToken cancellationToken)
    {
        await throttle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await action().ConfigureAwait(false);
        }
        finally
        {
            throttle.Release();
        }
    }

    public static Task ThrottledAsync(SemaphoreSlim throttle, Func<Task> action, CancellationToken cancellationToken) =>
        ThrottledAsync<bool>(throttle, async () =>
        {
            await action().ConfigureAwait(false);
            return true;
        }, cancellationToken);
}
