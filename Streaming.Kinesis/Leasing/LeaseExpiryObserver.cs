namespace KinesisGrains.Streaming.Kinesis.Leasing;

/// <summary>
/// Tells when another owner's lease is abandoned: its counter has not moved for the failover time, as this silo saw
/// it. Only local observation times are compared, never clocks of other machines (the KCL's rule).
/// </summary>
internal sealed class LeaseExpiryObserver(TimeSpan failoverTime, TimeProvider time)
{
    private readonly Dictionary<string, (long Counter, long SeenAt)> _seen = new(StringComparer.Ordinal);

    /// <summary>Notes <paramref name="counter"/>; true once the same counter has been seen for the failover time.</summary>
    public bool HasExpired(string leaseKey, long counter)
    {
        lock (_seen)
        {
            if (!_seen.TryGetValue(leaseKey, out var seen) || seen.Counter != counter)
            {
                _seen[leaseKey] = (counter, time.GetTimestamp());
                return false;
            }

            return time.GetElapsedTime(seen.SeenAt) >= failoverTime;
        }
    }

    /// <summary>Forgets a lease (taken, or gone).</summary>
    public void Forget(string leaseKey)
    {
        lock (_seen)
        {
            _seen.Remove(leaseKey);
        }
    }
}
