using KinesisGrains.Streaming.Kinesis.Leasing;
using Xunit;

namespace KinesisGrains.Tests.Leasing;

/// <summary>The KCL taker's stealing rule (kcl.md §2.4), with the KCL's own test cases.</summary>
public sealed class LeaseStealingTests
{
    [Fact]
    public void Steals_one_lease_of_the_most_loaded_owner_above_the_fair_share()
    {
        var owned = Leases(("a", 3), ("b", 1));

        var stolen = LeaseStealing.Choose(owned, held: 0, fairShare: 2, new Random(1));

        Assert.Equal("a", stolen?.LeaseOwner);
    }

    [Fact]
    public void Off_by_one_never_steals()
    {
        // 4 leases, 3 workers, fair share 2: a worker with 1 does not take from one with 2.
        Assert.Null(LeaseStealing.Choose(Leases(("a", 2), ("b", 1)), held: 1, fairShare: 2, new Random(1)));
    }

    [Fact]
    public void An_owner_at_the_fair_share_gives_one_to_a_worker_that_needs_more_than_one()
    {
        Assert.Equal("a", LeaseStealing.Choose(Leases(("a", 2), ("b", 2)), held: 0, fairShare: 2, new Random(1))?.LeaseOwner);
    }

    [Fact]
    public void A_worker_at_its_fair_share_steals_nothing()
    {
        Assert.Null(LeaseStealing.Choose(Leases(("a", 4)), held: 2, fairShare: 2, new Random(1)));
        Assert.Null(LeaseStealing.Choose([], held: 0, fairShare: 2, new Random(1)));
    }

    private static List<ShardLease> Leases(params (string Owner, int Count)[] owners) =>
        owners.SelectMany(o => Enumerable.Range(0, o.Count).Select(i => new ShardLease($"shard-{o.Owner}-{i}", o.Owner, 7, "TRIM_HORIZON", 0, []))).ToList();
}
