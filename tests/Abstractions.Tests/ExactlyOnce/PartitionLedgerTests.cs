using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.KeyedState.ExactlyOnce;
using Xunit;

using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Tests.ExactlyOnce;

public sealed class PartitionLedgerTests
{
    private static Position P(int n, long sub = 0) => new(n.ToString(System.Globalization.CultureInfo.InvariantCulture), sub);

    [Fact]
    public void No_entry_for_a_shard_is_no_proof_except_for_a_batch_from_the_origin()
    {
        var ledger = new PartitionLedger([]);

        Assert.False(ledger.Admit("s", P(10), out var newGap).Accepted);
        Assert.True(newGap);
        Assert.True(ledger.Admit("s", from: null, out _).Accepted);
    }

    [Fact]
    public void A_batch_is_accepted_only_from_within_what_the_partition_holds_and_moves_mark_and_coverage_on_commit()
    {
        var ledger = new PartitionLedger([]);
        var first = ledger.Admit("s", null, out _);
        ledger.Commit("s", lastApplied: P(5), to: P(8));

        Assert.True(first.Accepted);
        Assert.Equal(new ShardCoverage(P(5), P(8)), ledger.CoverageOf("s"));
        Assert.False(ledger.Admit("s", P(9), out _).Accepted);
        var redelivery = ledger.Admit("s", P(3), out _);
        Assert.True(redelivery.Accepted);
        Assert.False(redelivery.IsNew(P(5)));
        Assert.True(redelivery.IsNew(P(6)));
    }

    [Fact]
    public void A_refused_shard_is_reported_once_as_a_new_gap_and_closes_when_a_batch_is_accepted_again()
    {
        var ledger = new PartitionLedger([KeyValuePair.Create("s", new ShardCoverage(P(4), P(4)))]);

        Assert.False(ledger.Admit("s", P(7), out var first).Accepted);
        Assert.False(ledger.Admit("s", P(9), out var second).Accepted);
        Assert.True(first);
        Assert.False(second);
        Assert.Contains("s", ledger.Refusing);
        Assert.True(ledger.Admit("s", P(4), out _).Accepted);
        Assert.Empty(ledger.Refusing);
    }

    [Fact]
    public void A_barrier_is_vouched_only_when_the_partition_holds_the_last_batch_it_was_sent()
    {
        var ledger = new PartitionLedger([KeyValuePair.Create("s", new ShardCoverage(P(4), P(6)))]);

        Assert.Null(ledger.Vouch(new ShardBarrier("s", Reached: P(20), Ended: false, LastSent: P(6))));
        Assert.Equal(P(20), ledger.CoverageOf("s").Covered);
        var gap = ledger.Vouch(new ShardBarrier("s", Reached: P(40), Ended: false, LastSent: P(30)));
        Assert.Equal(new ShardGap("s", P(20)), gap);
        Assert.Equal(P(20), ledger.CoverageOf("s").Covered);
    }

    [Fact]
    public void A_barrier_for_a_shard_the_partition_never_saw_is_vouched_only_from_the_origin()
    {
        var ledger = new PartitionLedger([]);

        Assert.Equal(new ShardGap("s", null), ledger.Vouch(new ShardBarrier("s", P(9), false, LastSent: P(3))));
        Assert.Null(ledger.Vouch(new ShardBarrier("t", P(9), false, LastSent: null)));
        Assert.Equal(P(9), ledger.CoverageOf("t").Covered);
    }

    [Fact]
    public void Changes_are_handed_out_once_and_the_epoch_counts_barriers()
    {
        var ledger = new PartitionLedger([], epoch: 7);
        ledger.Admit("s", null, out _);
        ledger.Commit("s", P(1), P(1));

        Assert.True(ledger.HasChanges);
        Assert.Single(ledger.TakeChanged());
        Assert.Empty(ledger.TakeChanged());
        Assert.Equal(8, ledger.NextEpoch());
    }
}
