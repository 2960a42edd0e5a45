using KinesisGrains.Abstractions.ExactlyOnce;
using Xunit;
using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Tests.ExactlyOnce;

public sealed class ShardReadLedgerTests
{
    private static Position P(int n) => new(n.ToString(System.Globalization.CultureInfo.InvariantCulture), 0);

    [Fact]
    public void A_read_is_delivered_only_when_every_one_of_its_containers_is()
    {
        var reads = new ShardReadLedger<string>(laneCount: 4, start: P(1), firstReadId: 100);
        var id = reads.Append(P(10), [0, 2, 3], "read");

        reads.Delivered(id, 2);
        reads.Delivered(id, 0);
        reads.Delivered(id, 0);
        Assert.False(reads.TryComplete(out _));

        reads.Delivered(id, 1);
        Assert.True(reads.TryComplete(out var completed));
        Assert.Equal(P(10), completed.Reached);
        Assert.Equal([P(10), P(1), P(10), P(10)], completed.LastSentByLane);
    }

    [Fact]
    public void Reads_complete_in_order_and_a_read_without_containers_follows_the_ones_before_it()
    {
        var reads = new ShardReadLedger<int>(2, start: null, firstReadId: 0);
        var first = reads.Append(P(5), [0], 1);
        reads.Append(P(7), [], 2);

        Assert.False(reads.TryComplete(out _));
        reads.Delivered(first, 0);
        Assert.True(reads.TryComplete(out var a));
        Assert.True(reads.TryComplete(out var b));
        Assert.Equal(P(5), a.Reached);
        Assert.Equal(P(7), b.Reached);
        Assert.Equal([P(5), null], b.LastSentByLane);
    }

    [Fact]
    public void Each_partition_starts_where_its_last_batch_ended_and_a_rewind_starts_them_all_again_and_voids_reads_in_flight()
    {
        var reads = new ShardReadLedger<int>(2, start: P(3), firstReadId: 0);
        Assert.Equal(P(3), reads.FromOf(1));
        var id = reads.Append(P(9), [1], 0);
        Assert.Equal(P(9), reads.FromOf(1));

        reads.Rewind(P(2));
        reads.Delivered(id, 0);
        Assert.True(reads.TryComplete(out var voided));
        Assert.True(voided.Voided);
        Assert.Null(voided.Reached);
        Assert.Equal(P(2), reads.FromOf(1));
        Assert.Equal(P(2), reads.Start);
    }
}
