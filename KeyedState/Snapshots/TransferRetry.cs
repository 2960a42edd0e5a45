using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// Runs one S3 request with a time limit per attempt and retries transient failures with jittered exponential back-off.
/// The time limit is what turns a hung connection into a retry instead of a stuck snapshot.
/// </summary>
internal sealed class TransferRetry(S3SnapshotOptions options, ILogger logger)
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    public async Task<T> RunAsync<T>(string operation, string key, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        for (var number = 1; ; number++)
        {
            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptTimeout.CancelAfter(options.UploadAttemptTimeout);
            try
            {
                return await attempt(attemptTimeout.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested && IsTransient(exception))
            {
                var timedOut = exception is OperationCanceledException;
                if (number >= options.MaxAttempts)
                {
                    if (timedOut)
                    {
                        throw new TimeoutException(
                            $"S3 {operation} of '{key}' did not finish within {options.UploadAttemptTimeout} in {number} attempts.", exception);
                    }

                    throw;
                }

                var delay = Delay(number);
                var failure = timedOut ? $"no answer within {options.UploadAttemptTimeout}" : exception.GetType().Name + ": " + exception.Message;
                SnapshotLog.Retrying(logger, operation, key, number, options.MaxAttempts, failure, delay.TotalMilliseconds);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public Task RunAsync(string operation, string key, Func<CancellationToken, Task> attempt, CancellationToken cancellationToken) =>
        RunAsync<bool>(operation, key, async token =>
        {
            await attempt(token).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    // Only called while the caller's token is not cancelled, so a cancellation here is our attempt timeout or the HTTP timeout.
    private static bool IsTransient(Exception exception) => exception switch
    {
        SnapshotCorruptException => false,
        OperationCanceledException or TimeoutException or HttpRequestException or IOException or SocketException => true,
        AmazonServiceException service => service.StatusCode is HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError
            || service.ErrorCode is "RequestTimeout" or "SlowDown" or "InternalError"
            || (service.StatusCode == 0 && service.InnerException is not null && IsTransient(service.InnerException)),
        AmazonClientException client => client.InnerException is not null && IsTransient(client.InnerException),
        _ => false,
    };

    private TimeSpan Delay(int attempt)
    {
        var exponential = options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        var capped = Math.Min(exponential, MaxDelay.TotalMilliseconds);

        // Half fixed, half random: keeps a minimum pause and spreads silos that failed together.
        return TimeSpan.FromMilliseconds(capped / 2 + Random.Shared.NextDouble() * capped / 2);
    }
}
