using System.Net;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Streaming.Kinesis.Placement;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.Tests.Leasing;

public sealed class ShardPlacementMapTests
{
    private static readonly SiloAddress A = SiloAddress.New(IPAddress.Loopback, 11111, 1);
    private static readonly SiloAddress B = SiloAddress.New(IPAddress.Loopback, 11112, 1);

    [Fact]
    public void A_partition_belongs_with_the_live_reader_of_the_shard_under_the_middle_of_its_slice()
    {
        var time = new ManualTime();
        var map = new ShardPlacementMap(partitionCount: 8, TimeSpan.FromSeconds(3), time);
        var shards = EvenShards(4);

        map.Update(shards, [Lease(0, "a"), Lease(1, "a"), Lease(2, "b"), Lease(3, "nobody-live")], [("a", A), ("b", B)]);

        // 8 partitions over 4 even shards: partitions 2k and 2k+1 lie in shard k.
        Assert.Equal([A, A, A, A, B, B], Enumerable.Range(0, 6).Select(p => map.HomeOf(p)!.Silo));
        Assert.Null(map.HomeOf(6));
        Assert.False(map.HomeOf(0)!.Stable);

        time.Advance(TimeSpan.FromSeconds(3));
        map.Update(shards, [Lease(0, "a"), Lease(1, "b"), Lease(2, "b"), Lease(3, "nobody-live")], [("a", A), ("b", B)]);
        Assert.True(map.HomeOf(0)!.Stable);
        Assert.Equal(B, map.HomeOf(2)!.Silo);
        Assert.False(map.HomeOf(2)!.Stable);
    }

    private static List<Shard> EvenShards(int count)
    {
        var width = UInt128.MaxValue / (UInt128)(ulong)count;
        return Enumerable.Range(0, count).Select(i => new Shard(
            $"shardId-{i:D12}",
            null,
            null,
            new HashKeyRange(width * (UInt128)(ulong)i, i == count - 1 ? UInt128.MaxValue : width * (UInt128)(ulong)(i + 1) - 1),
            new SequenceNumberRange("0", null))).ToList();
    }

    private static ShardLease Lease(int shard, string owner) => new($"shardId-{shard:D12}", owner, 1, "TRIM_HORIZON", 0, []);

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
