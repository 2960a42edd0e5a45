using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.KeyedState.Tests;

public sealed class KeyValueStoreTests
{
    [Fact]
    public void Batch_write_then_get_and_scan()
    {
        using var directory = new TempDirectory("rocksdb-tests");
        using IKeyValueStore store = RocksDbKeyValueStore.Open(Path.Combine(directory.Path, "db"), new RocksDbOptions());

        using (var batch = store.CreateBatch())
        {
            foreach (var key in new[] { "a", "p/1", "p/2", "p/3", "q" })
            {
                batch.Put(Bytes.Of(key), Bytes.Of("v-" + key));
            }

            batch.Delete(Bytes.Of("p/2"));
            Assert.Equal(6, batch.Count);
            Assert.Null(store.Get(Bytes.Of("a")));
            store.Write(batch);
        }

        Assert.Equal(Bytes.Of("v-a"), store.Get(Bytes.Of("a")));
        Assert.Null(store.Get(Bytes.Of("p/2")));

        var seen = new List<string>();
        store.Scan(Bytes.Of("p/"), Bytes.Of("p0"), (key, value) =>
        {
            seen.Add(Bytes.Text(key) + "=" + Bytes.Text(value));
            return true;
        });
        Assert.Equal(["p/1=v-p/1", "p/3=v-p/3"], seen);
    }

    [Fact]
    public void Scan_stops_when_the_visitor_returns_false()
    {
        using var directory = new TempDirectory("rocksdb-tests");
        using var store = RocksDbKeyValueStore.Open(Path.Combine(directory.Path, "db"), new RocksDbOptions());
        for (var i = 0; i < 10; i++)
        {
            store.Database.Put(Bytes.Of($"k{i}"), Bytes.Of("v"));
        }

        var visited = 0;
        store.Scan(Bytes.Of("k"), Bytes.Of("l"), (_, _) => ++visited < 3);

        Assert.Equal(3, visited);
    }

    [Fact]
    public void Batch_from_another_store_is_rejected()
    {
        using var directory = new TempDirectory("rocksdb-tests");
        using var first = RocksDbKeyValueStore.Open(Path.Combine(directory.Path, "first"), new RocksDbOptions());
        using var second = RocksDbKeyValueStore.Open(Path.Combine(directory.Path, "second"), new RocksDbOptions());
        using var foreign = first.CreateBatch();
        foreign.Put(Bytes.Of("k"), Bytes.Of("v"));

        Assert.Throws<ArgumentException>(() => second.Write(foreign));
        Assert.Throws<ArgumentException>(() => second.Write(new FakeBatch()));
        Assert.Null(second.Get(Bytes.Of("k")));

        first.Write(foreign);
        Assert.Equal(Bytes.Of("v"), first.Get(Bytes.Of("k")));
    }

    [Fact]
    public void Batch_clear_and_merge_work_through_the_adapter()
    {
        using var directory = new TempDirectory("rocksdb-tests");
        using var store = RocksDbKeyValueStore.Open(
            Path.Combine(directory.Path, "db"), new RocksDbOptions { MergeOperator = RocksDbMergeOperator.UInt64Add });
        using var batch = (RocksDbKeyValueBatch)store.CreateBatch();
        batch.Put(Bytes.Of("dropped"), Bytes.Of("x"));
        batch.Clear();
        Assert.Equal(0, batch.Count);

        batch.Merge(Bytes.Of("n"), Bytes.UInt64(4));
        batch.Merge(Bytes.Of("n"), Bytes.UInt64(5));
        store.Write(batch);

        Assert.Null(store.Get(Bytes.Of("dropped")));
        Assert.Equal(Bytes.UInt64(9), store.Get(Bytes.Of("n")));
    }

    [Fact]
    public void Disposing_the_store_disposes_the_db_only_when_it_owns_it()
    {
        using var directory = new TempDirectory("rocksdb-tests");
        using var db = RocksDatabase.Open(Path.Combine(directory.Path, "db"), new RocksDbOptions());

        new RocksDbKeyValueStore(db, ownsDatabase: false).Dispose();
        db.Put(Bytes.Of("k"), Bytes.Of("v"));

        var owning = new RocksDbKeyValueStore(db);
        owning.Dispose();
        Assert.Throws<ObjectDisposedException>(() => db.Get(Bytes.Of("k")));
        Assert.Throws<ObjectDisposedException>(() => owning.Get(Bytes.Of("k")));
    }

    private sealed class FakeBatch : IKeyValueBatch
    {
        public int Count => 0;

        public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
        }

        public void Delete(ReadOnlySpan<byte> key)
        {
        }

        public void Clear()
        {
        }

        public void Dispose()
        {
        }
    }
}
