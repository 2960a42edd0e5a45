using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.KeyedState.Tests;

/// <summary>Sorted files written outside a DB and ingested into it (the rescale's bulk load).</summary>
public sealed class SortedFileIngestTests
{
    [Fact]
    public void Ingested_files_are_read_back_and_of_overlapping_files_the_later_one_wins()
    {
        using var db = new TestDb();
        db.Db.Put(Bytes.Of("a"), Bytes.Of("before"));
        using var first = db.Db.CreateSortedFileWriter(db.Sibling("first.sst"));
        using var second = db.Db.CreateSortedFileWriter(db.Sibling("second.sst"));
        foreach (var key in new[] { "a", "b", "c" })
        {
            first.Put(Bytes.Of(key), Bytes.Of("first-" + key));
        }

        second.Put(Bytes.Of("b"), Bytes.Of("second-b"));
        second.Put(Bytes.Of("d"), Bytes.Of("second-d"));
        Assert.True(first.Finish());
        Assert.True(second.Finish());

        db.Db.IngestFiles([first.File, second.File]);

        Assert.Equal(["first-a", "second-b", "first-c", "second-d"], new[] { "a", "b", "c", "d" }.Select(k => Bytes.Text(db.Db.Get(Bytes.Of(k)))));
        Assert.False(File.Exists(first.File)); // moved in
        Assert.Equal(3, first.Count);
    }

    [Fact]
    public void A_writer_given_no_key_writes_no_file_and_one_given_keys_out_of_order_fails_with_the_file_named()
    {
        using var db = new TestDb();
        using var empty = db.Db.CreateSortedFileWriter(db.Sibling("empty.sst"));
        Assert.False(empty.Finish());
        Assert.False(File.Exists(empty.File));

        using var unsorted = db.Db.CreateSortedFileWriter(db.Sibling("unsorted.sst"));
        unsorted.Put(Bytes.Of("b"), Bytes.Of("1"));
        var refused = Assert.Throws<RocksDbException>(() => unsorted.Put(Bytes.Of("a"), Bytes.Of("2")));
        Assert.Contains("unsorted.sst", refused.Message);
    }
}
