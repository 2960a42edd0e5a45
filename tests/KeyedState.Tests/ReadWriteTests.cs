using System.Buffers;
using Xunit;

namespace KinesisGrains.KeyedState.Tests;

public sealed class ReadWriteTests
{
    [Fact]
    public void Put_then_get_returns_the_value_and_delete_removes_it()
    {
        using var test = new TestDb();
        test.Db.Put(Bytes.Of("k"), Bytes.Of("v1"));
        Assert.Equal(Bytes.Of("v1"), test.Db.Get(Bytes.Of("k")));

        test.Db.Put(Bytes.Of("k"), Bytes.Of("v2"));
        Assert.Equal(Bytes.Of("v2"), test.Db.Get(Bytes.Of("k")));

        test.Db.Delete(Bytes.Of("k"));
        Assert.Null(test.Db.Get(Bytes.Of("k")));
    }

    [Fact]
    public void Missing_key_is_null_and_deleting_it_is_not_an_error()
    {
        using var test = new TestDb();
        Assert.Null(test.Db.Get(Bytes.Of("absent")));
        test.Db.Delete(Bytes.Of("absent"));
        Assert.False(test.Db.TryGet(Bytes.Of("absent"), new ArrayBufferWriter<byte>()));
    }

    [Fact]
    public void Empty_value_is_stored_and_differs_from_a_missing_key()
    {
        using var test = new TestDb();
        test.Db.Put(Bytes.Of("empty"), ReadOnlySpan<byte>.Empty);

        var value = test.Db.Get(Bytes.Of("empty"));
        Assert.NotNull(value);
        Assert.Empty(value);

        var writer = new ArrayBufferWriter<byte>();
        Assert.True(test.Db.TryGet(Bytes.Of("empty"), writer));
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public void Empty_key_is_a_key_of_its_own()
    {
        using var test = new TestDb();
        test.Db.Put(ReadOnlySpan<byte>.Empty, Bytes.Of("root"));
        test.Db.Put([0], Bytes.Of("zero"));

        Assert.Equal(Bytes.Of("root"), test.Db.Get(ReadOnlySpan<byte>.Empty));
        Assert.Equal(Bytes.Of("zero"), test.Db.Get([0]));
    }

    [Fact]
    public void Binary_keys_with_zero_and_0xFF_bytes_are_distinct()
    {
        using var test = new TestDb();
        byte[][] keys = [[0x00], [0x00, 0x00], [0x00, 0x01], [0xFF], [0xFF, 0x00], [0x01, 0x00, 0xFF, 0x7F, 0x80]];
        for (var i = 0; i < keys.Length; i++)
        {
            test.Db.Put(keys[i], [(byte)i, 0x00, 0xFF]);
        }

        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(new byte[] { (byte)i, 0x00, 0xFF }, test.Db.Get(keys[i]));
        }

        Assert.Null(test.Db.Get([0x00, 0x00, 0x00]));
    }

    [Fact]
    public void TryGet_appends_after_what_the_writer_already_holds()
    {
        using var test = new TestDb();
        test.Db.Put(Bytes.Of("k"), Bytes.Of("value"));
        var writer = new ArrayBufferWriter<byte>();
        writer.Write(Bytes.Of(">>"));

        Assert.True(test.Db.TryGet(Bytes.Of("k"), writer));
        Assert.Equal(">>value", Bytes.Text(writer.WrittenSpan));
    }

    [Fact]
    public void Large_value_round_trips_after_a_flush()
    {
        using var test = new TestDb();
        var large = new byte[3 * 1024 * 1024 + 17];
        new Random(42).NextBytes(large);
        test.Db.Put(Bytes.Of("large"), large);
        test.Db.Flush();

        Assert.Equal(large, test.Db.Get(Bytes.Of("large")));
    }

    [Fact]
    public void Concurrent_puts_and_gets_from_many_threads_all_land()
    {
        using var test = new TestDb();
        const int threads = 8;
        const int perThread = 2_000;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            for (var i = 0; i < perThread; i++)
            {
                var key = Bytes.Of($"t{t}-{i}");
                test.Db.Put(key, Bytes.UInt64((ulong)(t * perThread + i)));
                Assert.Equal(Bytes.UInt64((ulong)(t * perThread + i)), test.Db.Get(key));
            }
        });

        for (var t = 0; t < threads; t++)
        {
            for (var i = 0; i < perThread; i += 97)
            {
                Assert.Equal(Bytes.UInt64((ulong)(t * perThread + i)), test.Db.Get(Bytes.Of($"t{t}-{i}")));
            }
        }
    }
}
