using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.KeyedState.ExactlyOnce;
using Xunit;

using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Tests.ExactlyOnce;

/// <summary>A rescale's merge of old partitions' ledgers: each key range keeps its own floor until the merged coverage passes them.</summary>
public sealed class PartitionLedgerMergeTests
{
    private const ulong A = 10; // a key hash in part A's range [0, 99]
    private const ulong B = 150; // a key hash in part B's range [100, 199]

    private static Position P(int n) => new(n.ToString(System.Globalization.CultureInfo.InvariantCulture), 0);

    private static PartitionLedger Held(int mark, int covered, long epoch = 1) =>
        new([KeyValuePair.Create("s", new ShardCoverage(P(mark), P(covered)))], epoch);

    private static PartitionLedger MergeAB(PartitionLedger a, PartitionLedger b) => PartitionLedger.Merge([(0, 99, a), (100, 199, b)]);

    [Fact]
    public void Parts_held_to_one_point_merge_into_their_common_ledger_without_floors()
    {
        var merged = MergeAB(Held(8, 20, epoch: 3), Held(17, 20, epoch: 5));

        Assert.Empty(merged.Floors);
        Assert.Equal(new ShardCoverage(P(20), P(20)), merged.CoverageOf("s"));
        Assert.Equal(5, merged.Epoch);
        Assert.False(merged.Admit("s", P(20), out _).IsNew(P(20)));
        Assert.True(merged.Admit("s", P(20), out _).IsNew(P(21)));
    }

    [Fact]
    public void Parts_held_to_different_points_keep_their_own_floors()
    {
        var merged = MergeAB(Held(8, 10), Held(18, 20));

        Assert.Equal(P(10), merged.CoverageOf("s").Covered);
        Assert.True(merged.HasInherited("s"));

        // A replay from the common coverage: B's keys up to 20 are in already, A's after 10 are not.
        Assert.True(merged.Admit("s", P(10), out _).Accepted);
        Assert.False(merged.IsInherited("s", A, P(12)));
        Assert.True(merged.IsInherited("s", B, P(14)));
        Assert.False(merged.IsInherited("s", B, P(21)));

        // One mark for both (the naive merge) would skip A's 12 (max of marks) or apply B's 14 twice (min).
        Assert.True(merged.Admit("s", P(10), out _).IsNew(P(12)));
    }

    [Fact]
    public void Floors_are_released_once_coverage_passes_them_and_the_mark_stands_above_every_inherited_event()
    {
        var merged = MergeAB(Held(8, 10), Held(18, 20));

        // (10, 15]: A's 12 applied, B's 14 inherited; floors stay (15 < 20).
        merged.Commit("s", lastApplied: P(12), to: P(15));
        Assert.True(merged.HasInherited("s"));

        // (15, 25]: only B's 19, inherited, so nothing is applied: coverage passes 20 and the floors go.
        merged.Commit("s", lastApplied: null, to: P(25));
        Assert.False(merged.HasInherited("s"));
        Assert.Equal(new ShardCoverage(P(20), P(25)), merged.CoverageOf("s"));

        // A replay from 10 now skips B's 14 and 19 by the one mark (the mark was 12: 14 would have counted twice).
        var replay = merged.Admit("s", P(10), out _);
        Assert.False(replay.IsNew(P(14)));
        Assert.False(replay.IsNew(P(19)));
        Assert.True(replay.IsNew(P(21)));
        Assert.Contains(merged.TakeChangedFloors(), c => c.Key == "s" && c.Value.Length == 0);
    }

    [Fact]
    public void A_barrier_that_vouches_past_the_floors_releases_them_too()
    {
        var merged = MergeAB(Held(8, 10), Held(18, 20));

        Assert.Null(merged.Vouch(new ShardBarrier("s", Reached: P(30), Ended: false, LastSent: P(10))));

        Assert.False(merged.HasInherited("s"));
        Assert.Equal(P(20), merged.CoverageOf("s").Mark);
    }

    [Fact]
    public void A_part_that_holds_nothing_of_a_shard_leaves_the_merge_without_proof()
    {
        var merged = MergeAB(Held(8, 10), new PartitionLedger([]));

        Assert.Null(merged.CoverageOf("s").Covered);
        Assert.False(merged.Admit("s", P(10), out _).Accepted);
        Assert.True(merged.IsInherited("s", A, P(9)));
        Assert.False(merged.IsInherited("s", B, P(1)));
    }

    [Fact]
    public void A_merged_partition_merged_again_before_it_caught_up_keeps_each_range_floor()
    {
        var first = MergeAB(Held(8, 10), Held(18, 20));
        first.Commit("s", lastApplied: P(12), to: P(15));

        // Split it: [0, 49] and [100, 149] of it go on with another partition held to 15.
        var again = PartitionLedger.Merge([(0, 49, first), (100, 149, first), (200, 299, Held(15, 15))]);

        Assert.Equal(P(15), again.CoverageOf("s").Covered);
        Assert.False(again.IsInherited("s", A, P(16)));
        Assert.True(again.IsInherited("s", 120, P(19)));
        Assert.True(again.IsInherited("s", 250, P(15)));
        Assert.False(again.IsInherited("s", 250, P(16)));
    }
}
