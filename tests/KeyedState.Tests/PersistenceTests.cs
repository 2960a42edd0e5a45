using KinesisGrains.KeyedState.RocksDb;
using Xunit;

namespace KinesisGrains.KeyedState.Tests;

public sealed class PersistenceTests
{
    [Fact]
    public void Reopened_db_keeps_unflushed_writes_through_the_wal()
    {
        using var test = new TestDb();
        test.Db.Put(Bytes.Of("k"), Bytes.Of("v"));
        test.Db.Put(Bytes.Of("gone"), Bytes.Of("x"));
        test.Db.Delete(Bytes.Of("gone"));
        Assert.Equal("0", test.Db.GetProperty("rocksdb.num-files-at-level0")); // a text property

        var reopened = test.Reopen();

        Assert.Equal(Bytes.Of("v"), reopened.Get(Bytes.Of("k")));
        Assert.Null(reopened.Get(Bytes.Of("gone")));
    }

    [Fact]
    public void Clean_close_flushes_writes_made_without_the_wal()
    {
        using var test = new TestDb(new RocksDbOptions { DisableWal = true });
        test.Db.Put(Bytes.Of("k"), Bytes.Of("v"));

        var reopened = test.Reopen();

        Assert.Equal(Bytes.Of("v"), reopened.Get(Bytes.Of("k")));
    }

    [Fact]
    public void Checkpoint_holds_current_and_sst_files_and_opens_with_the_same_data()
    {
        using var test = new TestDb(new RocksDbOptions { DisableWal = true });
        for (var i = 0; i < 1_000; i++)
        {
            test.Db.Put(Bytes.Of($"key-{i:D4}"), Bytes.Of($"value-{i}"));
        }

        var checkpoint = test.Sibling("checkpoint");
        test.Db.CreateCheckpoint(checkpoint);
        test.Db.Put(Bytes.Of("after"), Bytes.Of("checkpoint"));

        var files = Directory.GetFiles(checkpoint).Select(Path.GetFileName).ToList();
        Assert.Contains("CURRENT", files);
        Assert.Contains(files, f => f!.EndsWith(".sst", StringComparison.Ordinal));

        using var copy = RocksDatabase.Open(checkpoint, new RocksDbOptions { CreateIfMissing = false });
        Assert.Equal(Bytes.Of("value-0"), copy.Get(Bytes.Of("key-0000")));
        Assert.Equal(Bytes.Of("value-999"), copy.Get(Bytes.Of("key-0999")));
        Assert.Null(copy.Get(Bytes.Of("after")));
        using var iterator = copy.NewIterator(ReadOnlySpan<byte>.Empty, ReadOnlySpan<byte>.Empty);
        var count = 0;
        for (iterator.SeekToFirst(); iterator.Valid; iterator.Next())
        {
            count++;
        }

        Assert.Equal(1_000, count);
    }

    [Fact]
    public void Checkpoint_into_an_existing_folder_fails_naming_both_paths()
    {
        using var test = new TestDb();
        var existing = test.Sibling("existing");
        Directory.CreateDirectory(existing);

        var error = Assert.Throws<RocksDbException>(() => test.Db.CreateCheckpoint(existing));

        Assert.Equal("checkpoint", error.Operation);
        Assert.Contains(test.Path, error.Message);
        Assert.Contains(existing, error.Message);
    }

    [Fact]
    public void Flush_writes_an_sst_file_visible_in_the_properties()
    {
        using var test = new TestDb();
        for (var i = 0; i < 100; i++)
        {
            test.Db.Put(Bytes.Of($"key-{i}"), Bytes.Of("value"));
        }

        Assert.Equal("0", test.Db.GetProperty("rocksdb.num-files-at-level0")); // a text property
        test.Db.Flush();

        Assert.Equal("1", test.Db.GetProperty("rocksdb.num-files-at-level0"));
        Assert.Null(test.Db.GetIntProperty("rocksdb.num-files-at-level0"));
        Assert.True(test.Db.GetIntProperty("rocksdb.estimate-num-keys") >= 100);
        Assert.True(test.Db.GetIntProperty("rocksdb.live-sst-files-size") > 0);
        Assert.NotEmpty(Directory.GetFiles(test.Path, "*.sst"));
    }

    [Fact]
    public void Properties_return_text_and_null_for_unknown_names()
    {
        using var test = new TestDb();
        Assert.Contains("DB Stats", test.Db.GetProperty("rocksdb.stats"));
        Assert.Equal("0", test.Db.GetProperty("rocksdb.num-files-at-level0"));
        Assert.Null(test.Db.GetProperty("rocksdb.no-such-property"));
        Assert.Null(test.Db.GetIntProperty("rocksdb.no-such-property"));
        Assert.Null(test.Db.GetIntProperty("rocksdb.stats")); // not an integer property
        Assert.Null(test.Db.GetIntProperty("rocksdb." + new string('x', 1_000))); // longer than the stack buffer
    }
}
