namespace KinesisGrains.Streaming.Kinesis.Leasing;

/// <summary>
/// Whether a silo still runs an application, told by its shard leases: a running silo renews each lease it holds every
/// third of its lease failover time, so a lease whose counter moves while watched has a live owner, and one that stands
/// still for the whole failover time has none. The tools that change a stopped application's leases or state watch them
/// before they do.
/// </summary>
internal static class LeaseRenewalWatch
{
    /// <summary>How often the leases are read again while they are watched.</summary>
    private static readonly TimeSpan s_observationPeriod = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Reads the leases every 250 ms for <paramref name="leaseFailoverTime"/>, and returns at the first read in which
    /// <paramref name="renewed"/> finds a lease, so a running application is told in a second or two.
    /// </summary>
    /// <returns>The renewed lease, or null once the failover time passed without one; and the leases last read.</returns>
    public static async Task<(ShardLease? Renewed, IReadOnlyList<ShardLease> Leases)> WatchAsync(
        ShardLeaseTable leases, Func<ShardLease, bool> renewed, TimeSpan leaseFailoverTime, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + leaseFailoverTime;
        while (true)
        {
            await Task.Delay(TimeSpan.FromTicks(Math.Clamp((deadline - time.GetUtcNow()).Ticks, 0, s_observationPeriod.Ticks)), time, cancellationToken);
            var now = await leases.ListAsync(cancellationToken);
            if (now.FirstOrDefault(renewed) is { } lease)
            {
                return (lease, now);
            }

            if (time.GetUtcNow() >= deadline)
            {
                return (null, now);
            }
        }
    }
}
