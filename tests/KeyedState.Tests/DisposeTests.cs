using System.Buffers;
using System.Runtime.CompilerServices;
using KinesisGrains.KeyedState.RocksDb;
using Xunit;

namespace KinesisGrains.KeyedState.Tests;

public sealed class DisposeTests
{
    [Fact]
    public void Every_db_call_after_dispose_throws_ObjectDisposedException()
    {
        using var test = new TestDb();
        using var batch = new RocksDbWriteBatch();
        var db = test.Db;
        db.Dispose();
        db.Dispose(); // idempotent

        var key = Bytes.Of("k");
        Assert.Throws<ObjectDisposedException>(() => db.Get(key));
        Assert.Throws<ObjectDisposedException>(() => db.TryGet(key, new ArrayBufferWriter<byte>()));
        Assert.Throws<ObjectDisposedException>(() => db.Put(key, key));
        Assert.Throws<ObjectDisposedException>(() => db.Delete(key));
        Assert.Throws<ObjectDisposedException>(() => db.Merge(key, key));
        Assert.Throws<ObjectDisposedException>(() => db.Write(batch));
        Assert.Throws<ObjectDisposedException>(() => db.NewIterator(key, key));
        Assert.Throws<ObjectDisposedException>(() => db.CreateCheckpoint(test.Sibling("cp")));
        Assert.Throws<ObjectDisposedException>(db.Flush);
        Assert.Throws<ObjectDisposedException>(() => db.GetProperty("rocksdb.stats"));
        Assert.Throws<ObjectDisposedException>(() => db.GetIntProperty("rocksdb.estimate-num-keys"));
    }

    [Fact]
    public void Batch_iterator_and_cache_throw_after_their_own_dispose()
    {
        using var test = IteratorTests.Populated();
        var batch = new RocksDbWriteBatch();
        batch.Dispose();
        Assert.Throws<ObjectDisposedException>(() => batch.Put(Bytes.Of("k"), Bytes.Of("v")));
        Assert.Throws<ObjectDisposedException>(() => batch.Count);
        Assert.Throws<ObjectDisposedException>(() => test.Db.Write(batch));

        var iterator = test.Db.NewIterator(Bytes.Of("a"), Bytes.Of("z"));
        iterator.SeekToFirst();
        iterator.Dispose();
        Assert.Throws<ObjectDisposedException>(() => iterator.Valid);
        Assert.Throws<ObjectDisposedException>(() => iterator.Key.Length);
        Assert.Throws<ObjectDisposedException>(iterator.SeekToFirst);

        var cache = new RocksDbBlockCache(1 << 20);
        cache.Dispose();
        Assert.Throws<ObjectDisposedException>(() => cache.UsageBytes);
        Assert.Throws<ObjectDisposedException>(() => RocksDatabase.Open(test.Sibling("other"), new RocksDbOptions(), cache));
    }

    [Fact]
    public void Open_iterator_keeps_the_db_open_until_it_is_disposed()
    {
        using var test = IteratorTests.Populated();
        var iterator = test.Db.NewIterator(Bytes.Of("a"), Bytes.Of("c"));
        test.Db.Dispose();

        // The DB is closed for new calls but still alive under the iterator, holding its LOCK file.
        Assert.Throws<ObjectDisposedException>(() => test.Db.Get(Bytes.Of("a")));
        iterator.SeekToFirst();
        Assert.Equal("a", Bytes.Text(iterator.Key));
        Assert.Throws<RocksDbException>(() => RocksDatabase.Open(test.Path, test.Options));

        iterator.Dispose();
        var reopened = test.Reopen();
        Assert.Equal(Bytes.Of("value-a"), reopened.Get(Bytes.Of("a")));
    }

    [Fact]
    public void Forgotten_iterators_and_batches_are_freed_by_the_garbage_collector()
    {
        // The package's Iterator and WriteBatch have no finalizers; the SafeHandles around them do.
        using var test = IteratorTests.Populated();
        Forget(test.Db);
        test.Db.Dispose(); // deferred: the forgotten iterators still hold the DB

        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        // Their finalizers released the DB, which then closed: its LOCK is free again.
        var reopened = test.Reopen();
        Assert.Equal(Bytes.Of("value-a"), reopened.Get(Bytes.Of("a")));
    }

    [Fact]
    public void Dispose_during_concurrent_calls_waits_for_them_and_fails_later_ones()
    {
        using var test = new TestDb();
        test.Db.Put(Bytes.Of("k"), Bytes.Of("v"));
        var db = test.Db;
        var started = new CountdownEvent(4);
        var calls = new long[4];

        var disposedSeen = new bool[4];
        var workers = Enumerable.Range(0, 4).Select(w => new Thread(() =>
        {
            var key = Bytes.Of("k");
            started.Signal();
            try
            {
                while (true)
                {
                    if (w % 2 == 0)
                    {
                        Assert.Equal(Bytes.Of("v"), db.Get(key));
                    }
                    else
                    {
                        db.Put(Bytes.Of($"w{w}"), key);
                    }

                    calls[w]++;
                }
            }
            catch (ObjectDisposedException)
            {
                disposedSeen[w] = true;
            }
        })).ToArray();
        foreach (var worker in workers)
        {
            worker.Start();
        }

        started.Wait();
        Thread.Sleep(50);
        db.Dispose();

        Assert.All(workers, w => Assert.True(w.Join(TimeSpan.FromSeconds(30))));
        Assert.All(disposedSeen, Assert.True);
        Assert.All(calls, c => Assert.True(c > 0));

        // The close really happened: the LOCK is free again and the writes are there.
        var reopened = test.Reopen();
        Assert.Equal(Bytes.Of("k"), reopened.Get(Bytes.Of("w1")));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Forget(RocksDatabase db)
    {
        for (var i = 0; i < 100; i++)
        {
            var iterator = db.NewIterator(Bytes.Of("a"), Bytes.Of("z"));
            iterator.SeekToFirst();
            var batch = new RocksDbWriteBatch();
            batch.Put(Bytes.Of("k"), Bytes.Of("v"));
        }
    }
}
