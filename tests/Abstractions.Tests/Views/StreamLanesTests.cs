using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.Views;
using Xunit;
using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Tests.Views;

/// <summary>Lanes (view × partition): their numbering, and the reader's bookkeeping and barriers per lane.</summary>
public sealed class StreamLanesTests
{
    private static Position P(int n) => new(n.ToString(System.Globalization.CultureInfo.InvariantCulture), 0);

    [Fact]
    public void Lane_v_times_P_plus_p_is_partition_p_of_view_v_on_the_views_namespace()
    {
        var lanes = new StreamLanes("clicks", ["by-type", "total"], 8);

        Assert.Equal(24, lanes.Count);
        Assert.Equal(3, lanes.ViewCount);
        Assert.Equal(13, lanes.LaneOf(1, 5));
        Assert.Equal((1, 5), (lanes.ViewOf(13), lanes.PartitionOf(13)));
        Assert.Equal(["clicks", "clicks", "by-type", "total"], new[] { 0, 7, 8, 23 }.Select(lanes.NamespaceOf));
        Assert.Equal(2, lanes.ViewNamed("total"));
        Assert.Equal(-1, lanes.ViewNamed("other"));
    }

    [Fact]
    public void Each_lane_has_its_own_From_and_LastSent_and_a_barrier_carries_its_own_lanes()
    {
        // Two views of 2 partitions: lanes 0,1 (primary) and 2,3 (view). One read reaches lanes 0 and 3, the next lane 3.
        var reads = new ShardReadLedger<int>(laneCount: 4, start: P(1), firstReadId: 0);
        var first = reads.Append(P(10), [0, 3], 0);
        var second = reads.Append(P(20), [3], 0);
        Assert.Equal([P(10), P(1), P(1), P(20)], Enumerable.Range(0, 4).Select(reads.FromOf));

        reads.Delivered(first, 0);
        reads.Delivered(first, 1);
        reads.Delivered(second, 0);
        Assert.True(reads.TryComplete(out _));
        Assert.True(reads.TryComplete(out var completed));
        var delivery = new ShardDelivery("shardId-000000000000", completed.Reached, false, completed.LastSentByLane);

        // Partition 1 of the view (lane 3) vouches for 20 holding its last batch (.., 20]; partition 1 of the primary
        // view (lane 1) was sent nothing since the start.
        Assert.Equal(new ShardBarrier("shardId-000000000000", P(20), false, P(20)), delivery.BarrierFor(3));
        Assert.Equal(new ShardBarrier("shardId-000000000000", P(20), false, P(1)), delivery.BarrierFor(1));
        Assert.Equal(P(10), delivery.BarrierFor(0).LastSent);
    }
}
