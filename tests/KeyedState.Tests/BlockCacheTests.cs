using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.KeyedState.Tests;

public sealed class BlockCacheTests
{
    [Fact]
    public void Shared_cache_serves_several_dbs_and_outlives_its_wrapper()
    {
        using var directory = new TempDirectory("rocksdb-tests");
        var cache = new RocksDbBlockCache(8 << 20);
        Assert.Equal(8 << 20, cache.CapacityBytes);
        Assert.Equal(0, cache.UsageBytes);

        using var first = RocksDatabase.Open(Path.Combine(directory.Path, "first"), new RocksDbOptions(), cache);
        using var second = RocksDatabase.Open(Path.Combine(directory.Path, "second"), new RocksDbOptions(), cache);
        foreach (var db in new[] { first, second })
        {
            Assert.Equal((ulong)(8 << 20), db.GetIntProperty("rocksdb.block-cache-capacity"));
            for (var i = 0; i < 1_000; i++)
            {
                db.Put(Bytes.Of($"key-{i:D4}"), new byte[100]);
            }

            db.Flush();
            Assert.NotNull(db.Get(Bytes.Of("key-0500")));
        }

        var usage = cache.UsageBytes;
        Assert.True(usage > 0);
        Assert.Equal((ulong)usage, first.GetIntProperty("rocksdb.block-cache-usage"));
        Assert.Equal((ulong)usage, second.GetIntProperty("rocksdb.block-cache-usage"));

        cache.Dispose();
        Assert.NotNull(first.Get(Bytes.Of("key-0999")));
        Assert.True(second.GetIntProperty("rocksdb.block-cache-usage") > 0);
    }

    [Fact]
    public void Without_a_shared_cache_each_db_gets_its_own_of_the_configured_size()
    {
        using var test = new TestDb(new RocksDbOptions { BlockCacheBytes = 3 << 20 });
        Assert.Equal((ulong)(3 << 20), test.Db.GetIntProperty("rocksdb.block-cache-capacity"));
    }

    [Fact]
    public void Capacity_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RocksDbBlockCache(0));
    }
}
