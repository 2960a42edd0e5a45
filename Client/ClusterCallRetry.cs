using Orleans.Runtime;

namespace KinesisGrains.Client;

/// <summary>
/// Retries a grain call that failed because a silo died or is being replaced: while membership declares it dead and
/// its grains activate elsewhere, calls are rejected, fail to connect or time out; the same call a moment later works.
/// </summary>
public static class ClusterCallRetry
{
    /// <summary>How long a call keeps being retried before its last error is thrown; a failover takes a few seconds.</summary>
    public static readonly TimeSpan DefaultBudget = TimeSpan.FromSeconds(60);

    /// <summary>True for the errors a failover causes, which a later attempt can succeed past.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        SiloUnavailableException or OrleansMessageRejectionException or GatewayTooBusyException or TimeoutException => true,

        // Orleans.Runtime.Messaging.ConnectionFailedException: a gateway or silo that is gone.
        OrleansException when exception.GetType().Name == "ConnectionFailedException" => true,

        // "Message expired before placement could complete": the target was still activating (a partition restoring
        // its state after a move, S3 slow), so the call never ran. A caller's own cancellation ends RunAsync at its
        // next back-off instead.
        OperationCanceledException => true,
        _ => false,
    };

    /// <summary>Runs <paramref name="call"/>, retrying transient errors with back-off (100 ms doubling to 1 s) for <paramref name="budget"/>.</summary>
    /// <param name="onRetry">Told of each transient error before the retry.</param>
    public static async Task<T> RunAsync<T>(Func<Task<T>> call, TimeSpan? budget = null, Action<Exception>? onRetry = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (budget ?? DefaultBudget);
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception exception) when (IsTransient(exception) && DateTime.UtcNow + delay < deadline)
            {
                onRetry?.Invoke(exception);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.TicksPerSecond));
            }
        }
    }
}
