using System.Buffers;
using System.Text;
using System.Text.Json;
using KinesisGrains.KeyedState.Outputs;
using KinesisGrains.KeyedState.Storage;
using Xunit;

namespace KinesisGrains.KeyedState.Tests;

/// <summary>The rows a partition stages for its sinks, in a real RocksDB: per epoch, in order, replaced per key within an epoch.</summary>
public sealed class StagedRowsTests
{
    [Fact]
    public void Collect_returns_the_epochs_in_the_given_range_oldest_first_with_stable_row_ids()
    {
        using var db = new TestDb();
        using var store = new RocksDbKeyValueStore(db.Db, ownsDatabase: false);
        var scratch = new ArrayBufferWriter<byte>();
        using (var batch = store.CreateBatch())
        {
            StagedRows.PutEmitted(batch, 2, 0, "u1", "{\"n\":1}"u8, scratch);
            StagedRows.PutEmitted(batch, 1, 0, "u2", "{\"n\":2}"u8, scratch);
            StagedRows.PutEmitted(batch, 1, 1, "u1", "{\"n\":3}"u8, scratch);
            StagedRows.PutChangelog(batch, 1, "u1", "{\"key\":\"u1\",\"v\":1}"u8);
            StagedRows.PutChangelog(batch, 3, "u9", "{\"key\":\"u9\"}"u8);
            store.Write(batch);
        }

        var staged = StagedRows.Collect(store, "clicks", 7, fromEpoch: 0, throughEpoch: 2);

        Assert.Equal([1L, 2L], staged.Select(e => e.Epoch));
        Assert.Equal(["clicks/7/1/e0", "clicks/7/1/e1"], staged[0].Emitted.Select(r => r.RowId));
        Assert.Equal(["u2", "u1"], staged[0].Emitted.Select(r => r.Key));
        Assert.Equal("{\"n\":3}", Encoding.UTF8.GetString(staged[0].Emitted[1].Json.Span));
        Assert.Equal("clicks/7/1/c/u1", Assert.Single(staged[0].Changelog).RowId);
        Assert.Empty(staged[1].Changelog);
        Assert.Equal([2L, 3L], StagedRows.Collect(store, "clicks", 7, fromEpoch: 2, throughEpoch: 3).Select(e => e.Epoch));
        Assert.Equal(2, StagedRows.NextEmittedNumber(store, 1));
        Assert.Equal(0, StagedRows.NextEmittedNumber(store, 4));
    }

    [Fact]
    public void A_key_written_twice_in_an_epoch_keeps_its_last_changelog_row_and_deletes_are_per_epoch()
    {
        using var db = new TestDb();
        using var store = new RocksDbKeyValueStore(db.Db, ownsDatabase: false);
        foreach (var value in new[] { 1, 2, 3 })
        {
            using var batch = store.CreateBatch();
            StagedRows.PutChangelog(batch, 5, "k", Encoding.UTF8.GetBytes($"{{\"v\":{value}}}"));
            StagedRows.PutChangelog(batch, 6, "k", "{\"v\":9}"u8);
            store.Write(batch);
        }

        var staged = StagedRows.Collect(store, "s", 0, fromEpoch: 0, throughEpoch: 6);
        Assert.Equal("{\"v\":3}", Encoding.UTF8.GetString(Assert.Single(staged[0].Changelog).Json.Span));

        StagedRows.Delete(store, staged[0]);
        Assert.Equal([6L], StagedRows.Collect(store, "s", 0, fromEpoch: 0, throughEpoch: 6).Select(e => e.Epoch));
    }

    [Theory]
    [InlineData("{\"count\":3,\"name\":\"x\"}", "{\"key\":\"u\\u00221\",\"deleted\":false,\"count\":3,\"name\":\"x\"}")]
    [InlineData("{}", "{\"key\":\"u\\u00221\",\"deleted\":false}")]
    [InlineData("", "{\"key\":\"u\\u00221\",\"deleted\":true}")]
    public void A_changelog_row_is_the_key_the_deletion_flag_and_the_state(string state, string expected)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(Stream.Null);
        var row = ChangelogRow.Write(buffer, writer, "u\"1", Encoding.UTF8.GetBytes(state));
        var json = Encoding.UTF8.GetString(row);
        Assert.Equal(expected, json);
        using var parsed = JsonDocument.Parse(json);
        Assert.Equal("u\"1", parsed.RootElement.GetProperty("key").GetString());
    }
}
