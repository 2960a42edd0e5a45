using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Routing;
using Xunit;

namespace KinesisGrains.Tests;

public sealed class HashKeyTests
{
    [Theory]
    // Expected values: int(hashlib.md5(key.encode()).hexdigest(), 16) in Python.
    [InlineData("", "281949768489412648962353822266799178366")]
    [InlineData("a", "16955237001963240173058271559858726497")]
    [InlineData("pk-0", "318996840767547934070577442296912359277")]
    [InlineData("ключ-🔑", "310955279035442261340063556077498676343")]
    public void FromPartitionKey_is_md5_of_utf8_as_unsigned_big_endian(string partitionKey, string expected)
    {
        Assert.Equal(HashKey.Parse(expected), HashKey.FromPartitionKey(partitionKey));
    }

    [Fact]
    public void FromPartitionKey_matches_BigInteger_reading_for_long_keys()
    {
        // Longer than the stack buffer, to cover the pooled path; compared with KCL's new BigInteger(1, md5).
        var key = new string('é', 700);
        var expected = new BigInteger(MD5.HashData(Encoding.UTF8.GetBytes(key)), isUnsigned: true, isBigEndian: true);
        Assert.Equal(expected.ToString(), HashKey.Format(HashKey.FromPartitionKey(key)));
    }

    [Fact]
    public void Parse_reads_the_whole_range_and_rejects_anything_else()
    {
        Assert.Equal(UInt128.MinValue, HashKey.Parse("0"));
        Assert.Equal(UInt128.MaxValue, HashKey.Parse("340282366920938463463374607431768211455"));
        Assert.Throws<FormatException>(() => HashKey.Parse("340282366920938463463374607431768211456"));
        Assert.Throws<FormatException>(() => HashKey.Parse("-1"));
        Assert.Throws<FormatException>(() => HashKey.Parse(" 12"));
        Assert.Throws<FormatException>(() => HashKey.Parse("1e5"));
    }

    [Fact]
    public void FindShard_picks_the_open_shard_containing_the_key()
    {
        var middle = UInt128.MaxValue / 2;
        var closedParent = NewShard("shardId-000000000000", 0, UInt128.MaxValue, closed: true);
        var low = NewShard("shardId-000000000001", 0, middle);
        var high = NewShard("shardId-000000000002", middle + 1, UInt128.MaxValue);
        Shard[] shards = [closedParent, low, high];

        Assert.Same(low, HashKey.FindShard(shards, UInt128.Zero));
        Assert.Same(low, HashKey.FindShard(shards, middle));
        Assert.Same(high, HashKey.FindShard(shards, middle + 1));
        Assert.Same(high, HashKey.FindShard(shards, UInt128.MaxValue));
        Assert.Same(HashKey.FindShard(shards, HashKey.FromPartitionKey("x")), HashKey.FindShard(shards, "x"));
    }

    [Fact]
    public void FindShard_returns_null_when_only_closed_shards_cover_the_key()
    {
        Shard[] shards = [NewShard("shardId-000000000000", 0, 100, closed: true), NewShard("shardId-000000000001", 101, UInt128.MaxValue)];
        Assert.Null(HashKey.FindShard(shards, 50));
        Assert.Equal("shardId-000000000001", HashKey.FindShard(shards, 101)?.ShardId);
    }

    private static Shard NewShard(string id, UInt128 start, UInt128 end, bool closed = false) =>
        new(id, null, null, new HashKeyRange(start, end), new SequenceNumberRange("1", closed ? "2" : null));
}
