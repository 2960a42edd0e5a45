using System.Buffers.Binary;
using KinesisGrains.KeyedState.RocksDb;
using Xunit;

namespace KinesisGrains.KeyedState.Tests;

public sealed class MergeTests
{
    private static readonly RocksDbOptions Counting = new() { MergeOperator = RocksDbMergeOperator.UInt64Add };

    [Fact]
    public void UInt64Add_sums_little_endian_operands()
    {
        using var test = new TestDb(Counting);
        for (ulong i = 1; i <= 10; i++)
        {
            test.Db.Merge(Bytes.Of("counter"), Bytes.UInt64(i));
        }

        Assert.Equal(55UL, Read(test.Db, "counter"));
    }

    [Fact]
    public void UInt64Add_adds_to_a_put_value_and_survives_flush_and_reopen()
    {
        using var test = new TestDb(Counting);
        test.Db.Put(Bytes.Of("counter"), Bytes.UInt64(1_000));
        test.Db.Merge(Bytes.Of("counter"), Bytes.UInt64(5));
        test.Db.Flush();
        test.Db.Merge(Bytes.Of("counter"), Bytes.UInt64(7));
        Assert.Equal(1_012UL, Read(test.Db, "counter"));

        var reopened = test.Reopen();
        Assert.Equal(1_012UL, Read(reopened, "counter"));
    }

    [Fact]
    public void UInt64Add_is_byte_order_sensitive()
    {
        using var test = new TestDb(Counting);
        var bigEndianOne = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bigEndianOne, 1);
        test.Db.Merge(Bytes.Of("counter"), bigEndianOne);

        Assert.Equal(1UL << 56, Read(test.Db, "counter"));
    }

    [Fact]
    public void Batch_merges_apply_with_the_batch()
    {
        using var test = new TestDb(Counting);
        using var batch = new RocksDbWriteBatch();
        for (var round = 0; round < 3; round++)
        {
            batch.Clear();
            batch.Merge(Bytes.Of("a"), Bytes.UInt64(2));
            batch.Merge(Bytes.Of("a"), Bytes.UInt64(3));
            batch.Merge(Bytes.Of("b"), Bytes.UInt64(100));
            test.Db.Write(batch);
        }

        Assert.Equal(15UL, Read(test.Db, "a"));
        Assert.Equal(300UL, Read(test.Db, "b"));
    }

    [Fact]
    public void Merge_without_a_merge_operator_fails()
    {
        using var test = new TestDb();
        var error = Assert.Throws<RocksDbException>(() => test.Db.Merge(Bytes.Of("k"), Bytes.UInt64(1)));
        Assert.Equal("merge", error.Operation);
        Assert.Contains("merge_operator", error.Message);
    }

    private static ulong Read(RocksDatabase db, string key)
    {
        var value = db.Get(Bytes.Of(key));
        Assert.NotNull(value);
        Assert.Equal(8, value.Length);
        return BinaryPrimitives.ReadUInt64LittleEndian(value);
    }
}
