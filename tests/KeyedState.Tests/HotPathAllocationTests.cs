using System.Buffers.Binary;
using System.Buffers;
using KinesisGrains.KeyedState.RocksDb;
using Xunit;

namespace KinesisGrains.KeyedState.Tests;

/// <summary>The per-record paths must not allocate managed memory (Get allocates only the returned array).</summary>
public sealed class HotPathAllocationTests
{
    private const int Rounds = 1_000;

    [Fact]
    public void Put_TryGet_Delete_Merge_and_batches_allocate_nothing()
    {
        using var test = new TestDb(new RocksDbOptions { MergeOperator = RocksDbMergeOperator.UInt64Add });
        var writer = new ArrayBufferWriter<byte>(64);
        using var batch = new RocksDbWriteBatch();

        Run(test.Db, batch, writer); // JIT, type loading and first-use allocations happen here

        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(test.Db, batch, writer);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(Rounds * 8, writer.WrittenCount);
    }

    [Fact]
    public void Iterating_allocates_only_the_iterator()
    {
        using var test = new TestDb();
        Span<byte> key = stackalloc byte[8];
        for (var i = 0; i < Rounds; i++)
        {
            BinaryPrimitives.WriteInt64BigEndian(key, i);
            test.Db.Put(key, key);
        }

        Scan(test.Db); // warm-up
        var before = GC.GetAllocatedBytesForCurrentThread();
        var count = Scan(test.Db);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Rounds, count);
        Assert.True(allocated < 512, $"a scan of {Rounds} entries allocated {allocated} bytes");
    }

    private static void Run(RocksDatabase db, RocksDbWriteBatch batch, ArrayBufferWriter<byte> writer)
    {
        writer.ResetWrittenCount();
        Span<byte> key = stackalloc byte[8];
        Span<byte> value = stackalloc byte[8];
        for (var i = 0; i < Rounds; i++)
        {
            BinaryPrimitives.WriteInt64BigEndian(key, i);
            BinaryPrimitives.WriteUInt64LittleEndian(value, (ulong)i);
            db.Put(key, value);
            db.TryGet(key, writer);
            db.Merge(key, value);
            batch.Put(key, value);
            batch.Merge(key, value);
            batch.Delete(key);
        }

        _ = batch.Count;
        db.Write(batch);
        batch.Clear();
        db.Delete(key);
    }

    private static int Scan(RocksDatabase db)
    {
        var count = 0;
        using var iterator = db.NewIterator(ReadOnlySpan<byte>.Empty, ReadOnlySpan<byte>.Empty);
        for (iterator.SeekToFirst(); iterator.Valid; iterator.Next())
        {
            if (iterator.Key.SequenceEqual(iterator.Value))
            {
                count++;
            }
        }

        return count;
    }
}
