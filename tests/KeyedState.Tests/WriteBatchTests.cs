using System.Buffers.Binary;
using KinesisGrains.KeyedState.RocksDb;
using Xunit;

namespace KinesisGrains.KeyedState.Tests;

public sealed class WriteBatchTests
{
    [Fact]
    public void Batch_is_invisible_until_written_then_applied_whole()
    {
        using var test = new TestDb();
        test.Db.Put(Bytes.Of("doomed"), Bytes.Of("x"));

        using var batch = new RocksDbWriteBatch();
        batch.Put(Bytes.Of("a"), Bytes.Of("1"));
        batch.Put(Bytes.Of("b"), Bytes.Of("2"));
        batch.Delete(Bytes.Of("doomed"));
        Assert.Equal(3, batch.Count);
        Assert.Null(test.Db.Get(Bytes.Of("a")));
        Assert.NotNull(test.Db.Get(Bytes.Of("doomed")));

        test.Db.Write(batch);

        Assert.Equal(Bytes.Of("1"), test.Db.Get(Bytes.Of("a")));
        Assert.Equal(Bytes.Of("2"), test.Db.Get(Bytes.Of("b")));
        Assert.Null(test.Db.Get(Bytes.Of("doomed")));
        Assert.Equal(3, batch.Count); // writing does not consume the batch
    }

    [Fact]
    public void Later_operations_on_a_key_win_within_a_batch()
    {
        using var test = new TestDb();
        using var batch = new RocksDbWriteBatch();
        batch.Put(Bytes.Of("k"), Bytes.Of("first"));
        batch.Delete(Bytes.Of("k"));
        batch.Put(Bytes.Of("k"), Bytes.Of("last"));
        batch.Put(Bytes.Of("gone"), Bytes.Of("x"));
        batch.Delete(Bytes.Of("gone"));
        test.Db.Write(batch);

        Assert.Equal(Bytes.Of("last"), test.Db.Get(Bytes.Of("k")));
        Assert.Null(test.Db.Get(Bytes.Of("gone")));
    }

    [Fact]
    public void Clear_empties_the_batch_for_reuse()
    {
        using var test = new TestDb();
        using var batch = new RocksDbWriteBatch();
        batch.Put(Bytes.Of("discarded"), Bytes.Of("x"));
        batch.Clear();
        Assert.Equal(0, batch.Count);

        batch.Put(Bytes.Of("kept"), Bytes.Of("y"));
        test.Db.Write(batch);

        Assert.Null(test.Db.Get(Bytes.Of("discarded")));
        Assert.Equal(Bytes.Of("y"), test.Db.Get(Bytes.Of("kept")));
    }

    [Fact]
    public void Readers_never_see_half_a_batch()
    {
        using var test = new TestDb();
        const int batches = 2_000;
        byte[] a = Bytes.Of("a"), b = Bytes.Of("b"), c = Bytes.Of("c");
        var stop = 0;
        var torn = 0;
        var observed = 0;

        // An iterator reads from an implicit snapshot, so within one iterator a, b and c must agree.
        var reader = new Thread(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                using var iterator = test.Db.NewIterator(a, Bytes.Of("d"));
                var values = new List<ulong>();
                for (iterator.SeekToFirst(); iterator.Valid; iterator.Next())
                {
                    values.Add(BinaryPrimitives.ReadUInt64LittleEndian(iterator.Value));
                }

                if (values.Count is not (0 or 3) || values.Distinct().Count() > 1)
                {
                    Interlocked.Increment(ref torn);
                }

                observed++;
            }
        });
        reader.Start();

        using var batch = new RocksDbWriteBatch();
        for (ulong i = 0; i < batches; i++)
        {
            batch.Clear();
            batch.Put(a, Bytes.UInt64(i));
            batch.Put(b, Bytes.UInt64(i));
            batch.Put(c, Bytes.UInt64(i));
            test.Db.Write(batch);
        }

        Volatile.Write(ref stop, 1);
        Assert.True(reader.Join(TimeSpan.FromSeconds(30)));

        Assert.Equal(0, torn);
        Assert.True(observed > 0);
        Assert.Equal(Bytes.UInt64(batches - 1), test.Db.Get(c));
    }
}
