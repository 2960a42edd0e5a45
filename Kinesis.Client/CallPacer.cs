namespace KinesisGrains.Kinesis.Client;

/// <summary>
/// Keeps a minimum period between the attempts of one caller's calls, retries included: Kinesis counts every
/// GetRecords attempt against the shard's five per second, failed ones too. One pacer serves one shard's calls, one
/// at a time.
/// </summary>
public sealed class CallPacer(TimeSpan minimumPeriod, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long? _lastAttempt;

    /// <summary>The least time between the starts of two paced calls.</summary>
    public TimeSpan MinimumPeriod { get; } = minimumPeriod >= TimeSpan.Zero
        ? minimumPeriod
        : throw new ArgumentOutOfRangeException(nameof(minimumPeriod), minimumPeriod, "The period must not be negative.");

    /// <summary>How long the next attempt must still wait; zero when it may go now.</summary>
    public TimeSpan UntilNextAttempt()
    {
        if (_lastAttempt is not { } last)
        {
            return TimeSpan.Zero;
        }

        var wait = MinimumPeriod - _time.GetElapsedTime(last);
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    /// <summary>Waits until the next attempt may go.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) =>
        UntilNextAttempt() is var wait && wait > TimeSpan.Zero ? Task.Delay(wait, _time, cancellationToken) : Task.CompletedTask;

    /// <summary>Notes that an attempt is being sent now.</summary>
    public void OnAttempt() => _lastAttempt = _time.GetTimestamp();
}
