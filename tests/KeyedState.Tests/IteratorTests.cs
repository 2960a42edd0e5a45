using KinesisGrains.KeyedState.RocksDb;
using Xunit;

namespace KinesisGrains.KeyedState.Tests;

public sealed class IteratorTests
{
    private static readonly string[] AllKeys = ["a", "b", "b\0", "ba", "c", "cz", "d", "d\0", "e"];

    [Fact]
    public void Lower_bound_is_inclusive_and_upper_bound_exclusive()
    {
        using var test = Populated();

        Assert.Equal(["b", "b\0", "ba", "c", "cz"], Keys(test.Db, "b", "d"));
        Assert.Equal(["b", "b\0", "ba"], Keys(test.Db, "b", "c"));
        Assert.Equal(["d"], Keys(test.Db, "d", "d\0"));
        Assert.Empty(Keys(test.Db, "bb", "bz"));
    }

    [Fact]
    public void Values_belong_to_their_keys()
    {
        using var test = Populated();
        using var iterator = test.Db.NewIterator(Bytes.Of("c"), Bytes.Of("e"));
        var seen = new List<string>();
        for (iterator.SeekToFirst(); iterator.Valid; iterator.Next())
        {
            seen.Add(Bytes.Text(iterator.Key) + "=" + Bytes.Text(iterator.Value));
        }

        Assert.Equal(["c=value-c", "cz=value-cz", "d=value-d", "d\0=value-d\0"], seen);
    }

    [Fact]
    public void Empty_upper_bound_means_no_upper_bound()
    {
        using var test = Populated();
        Assert.Equal(["d", "d\0", "e"], Keys(test.Db, "d", ""));
        Assert.Equal(AllKeys, Keys(test.Db, "", ""));
    }

    [Fact]
    public void Bounds_are_copied_and_survive_garbage_collection()
    {
        using var test = Populated();
        var lower = Bytes.Of("b");
        var upper = Bytes.Of("d");
        using var iterator = test.Db.NewIterator(lower, upper);

        // Had RocksDB kept pointers into these arrays, rewriting them would move the bounds.
        Array.Fill(lower, (byte)0xFF);
        Array.Fill(upper, (byte)0x00);
        lower = upper = null!;

        var keys = new List<string>();
        for (iterator.SeekToFirst(); iterator.Valid; iterator.Next())
        {
            keys.Add(Bytes.Text(iterator.Key));
            Churn();
        }

        Assert.Equal(["b", "b\0", "ba", "c", "cz"], keys);
    }

    [Fact]
    public void Seek_goes_to_the_first_key_at_or_after_the_target_and_stays_in_bounds()
    {
        using var test = Populated();
        using var iterator = test.Db.NewIterator(Bytes.Of("b"), Bytes.Of("d"));

        iterator.Seek(Bytes.Of("bb"));
        Assert.True(iterator.Valid);
        Assert.Equal("c", Bytes.Text(iterator.Key));

        iterator.Seek(Bytes.Of("a")); // below the lower bound
        Assert.True(iterator.Valid);
        Assert.Equal("b", Bytes.Text(iterator.Key));

        iterator.Seek(Bytes.Of("d")); // at the upper bound
        Assert.False(iterator.Valid);
    }

    [Fact]
    public void Iterator_sees_the_db_as_of_its_creation()
    {
        using var test = Populated();
        using var iterator = test.Db.NewIterator(Bytes.Of("a"), Bytes.Of("c"));
        test.Db.Put(Bytes.Of("aa"), Bytes.Of("late"));
        test.Db.Delete(Bytes.Of("b"));

        var keys = new List<string>();
        for (iterator.SeekToFirst(); iterator.Valid; iterator.Next())
        {
            keys.Add(Bytes.Text(iterator.Key));
        }

        Assert.Equal(["a", "b", "b\0", "ba"], keys);
    }

    [Fact]
    public void Reading_an_unpositioned_iterator_throws()
    {
        using var test = Populated();
        using var iterator = test.Db.NewIterator(Bytes.Of("x"), Bytes.Of("y"));
        Assert.False(iterator.Valid);
        Assert.Throws<InvalidOperationException>(() => iterator.Key.Length);

        iterator.SeekToFirst();
        Assert.False(iterator.Valid);
        Assert.Throws<InvalidOperationException>(() => iterator.Value.Length);
        Assert.Throws<InvalidOperationException>(iterator.Next);
    }

    [Fact]
    public void Iterator_works_across_flushed_and_unflushed_data()
    {
        using var test = new TestDb();
        for (var i = 0; i < 100; i += 2)
        {
            test.Db.Put(Bytes.Of($"k{i:D3}"), Bytes.Of("flushed"));
        }

        test.Db.Flush();
        for (var i = 1; i < 100; i += 2)
        {
            test.Db.Put(Bytes.Of($"k{i:D3}"), Bytes.Of("memtable"));
        }

        var keys = Keys(test.Db, "k010", "k020");
        Assert.Equal(Enumerable.Range(10, 10).Select(i => $"k{i:D3}"), keys);
    }

    internal static TestDb Populated()
    {
        var test = new TestDb();
        foreach (var key in AllKeys.Reverse())
        {
            test.Db.Put(Bytes.Of(key), Bytes.Of("value-" + key));
        }

        return test;
    }

    private static List<string> Keys(RocksDatabase db, string lower, string upper)
    {
        var keys = new List<string>();
        using var iterator = db.NewIterator(Bytes.Of(lower), Bytes.Of(upper));
        for (iterator.SeekToFirst(); iterator.Valid; iterator.Next())
        {
            keys.Add(Bytes.Text(iterator.Key));
            Churn();
        }

        return keys;
    }

    // Allocates and collects between moves, so anything not pinned would move or be reused.
    private static void Churn()
    {
        for (var i = 0; i < 100; i++)
        {
            _ = new byte[1024];
        }

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }
}
