using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using KinesisGrains.Abstractions.Partitions;
using Xunit;

namespace KinesisGrains.Tests;

public sealed class PartitionMapTests
{
    [Fact]
    public void Hash_is_the_big_endian_MD5_of_the_UTF8_key()
    {
        foreach (var key in new[] { "user-42", "", "ключ", new string('x', 5_000) })
        {
            var expected = BinaryPrimitives.ReadUInt128BigEndian(MD5.HashData(Encoding.UTF8.GetBytes(key)));
            Assert.Equal(expected, PartitionMap.HashOf(key));
        }
    }

    [Fact]
    public void Partitions_are_contiguous_slices_of_the_hash_space()
    {
        var map = new PartitionMap(16);
        var keys = Enumerable.Range(0, 10_000).Select(i => $"user-{i}").OrderBy(PartitionMap.HashOf).ToList();
        var previous = 0;
        foreach (var key in keys)
        {
            var partition = map.GetPartition(key);
            Assert.InRange(partition, previous, 15);
            previous = partition;
        }

        Assert.Equal(0, map.GetPartition(UInt128.Zero));
        Assert.Equal(15, map.GetPartition(UInt128.MaxValue));
        Assert.Equal(8, map.GetPartition(UInt128.One << 127));
    }

    [Fact]
    public void Keys_spread_evenly()
    {
        var map = new PartitionMap(16);
        var counts = new int[16];
        for (var i = 0; i < 16_000; i++)
        {
            counts[map.GetPartition($"device-{i}")]++;
        }

        Assert.All(counts, count => Assert.InRange(count, 800, 1_200));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65_537)]
    public void Rejects_partition_counts_out_of_range(int count) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PartitionMap(count));

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(1_000)]
    public void The_middle_of_a_slice_is_inside_it_with_a_quarter_of_it_on_each_side(int count)
    {
        var map = new PartitionMap(count);
        for (var partition = 0; partition < count; partition++)
        {
            var middle = map.MiddleOf(partition);
            Assert.Equal(partition, map.GetPartition(middle));
            var quarter = UInt128.MaxValue / (UInt128)(ulong)(4 * count);
            Assert.Equal(partition, map.GetPartition(middle - quarter));
            Assert.Equal(partition, map.GetPartition(middle + quarter));
        }

        // 8 partitions over 4 even shards: the middle of partition 3 is in the second shard.
        Assert.InRange(new PartitionMap(8).MiddleOf(3), UInt128.MaxValue / 4, UInt128.MaxValue / 2);
    }
}
