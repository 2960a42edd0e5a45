namespace KinesisGrains.Streaming.Kinesis.Leasing;

/// <summary>
/// The KCL taker's stealing rule (DynamoDBLeaseTaker.chooseLeasesToSteal): when a worker is below its fair share and
/// no lease is free or expired, it takes one lease from the single most loaded owner: one that holds more than the
/// fair share, or exactly the fair share when the taker needs more than one. "Off by one" never steals, so a
/// balanced fleet does not churn.
/// </summary>
internal static class LeaseStealing
{
    /// <summary>The lease to steal, or null.</summary>
    /// <param name="owned">Live leases of other owners (not free, not expired, not ours).</param>
    /// <param name="held">Leases this worker holds.</param>
    /// <param name="fairShare">Leases per worker: ceil(candidates / live workers).</param>
    public static ShardLease? Choose(IEnumerable<ShardLease> owned, int held, int fairShare, Random random)
    {
        var needed = fairShare - held;
        if (needed <= 0)
        {
            return null;
        }

        var mostLoaded = owned
            .Where(l => l.LeaseOwner is not null)
            .GroupBy(l => l.LeaseOwner!, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .FirstOrDefault();
        if (mostLoaded is null)
        {
            return null;
        }

        var count = mostLoaded.Count();
        if (count > fairShare || count == fairShare && needed > 1)
        {
            var leases = mostLoaded.ToList();
            return leases[random.Next(leases.Count)];
        }

        return null;
    }
}
