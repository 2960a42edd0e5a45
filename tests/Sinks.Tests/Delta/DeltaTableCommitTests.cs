using System.Text.Json;
using KinesisGrains.Sinks.Delta;
using KinesisGrains.Testing.Delta;
using KinesisGrains.Tests.Delta.Support;
using Xunit;

namespace KinesisGrains.Tests.Delta;

public sealed class DeltaTableCommitTests(DeltaEmulatorFixture emulators) : IClassFixture<DeltaEmulatorFixture>
{
    [Fact]
    public async Task Epochs_commit_as_contiguous_versions_a_stranger_reads_back_exactly()
    {
        var storage = await emulators.NewTableStorageAsync();
        var table = new DeltaTable(storage, new S3DeltaLogStore(storage), new DeltaTableOptions { CheckpointInterval = 0 }, TestRows.Definition());

        // Three epochs of two partitions each, and an empty epoch that records its txn only.
        var written = new List<EventRow>();
        for (var epoch = 1; epoch <= 3; epoch++)
        {
            var parts = new List<DeltaTxnPart>();
            for (var partition = 0; partition < 2; partition++)
            {
                var first = (epoch * 100) + (partition * 10);
                written.AddRange(Enumerable.Range(first, 5).Select(TestRows.Row));
                parts.Add(new DeltaTxnPart($"app/sink/state/{partition}", epoch, await table.WriteFilesAsync(TestRows.Rows(first, 5), default)));
            }

            var result = await table.CommitAsync(parts, default);
            Assert.Equal(epoch - 1, result.Version);
            Assert.All(result.Parts, p => Assert.True(p.CommittedNow));
        }

        var empty = await table.CommitAsync([new DeltaTxnPart("app/sink/state/0", 4, [])], default);
        Assert.Equal(3, empty.Version);

        using var reader = await IndependentDeltaReader.LoadAsync(emulators.S3, storage.Bucket, storage.Root);
        Assert.Equal([0L, 1, 2, 3], reader.Commits.Keys);

        var v0 = reader.Commits[0];
        var protocol = Assert.Single(v0, a => a.TryGetProperty("protocol", out _)).GetProperty("protocol");
        Assert.Equal(1, protocol.GetProperty("minReaderVersion").GetInt32());
        Assert.Equal(2, protocol.GetProperty("minWriterVersion").GetInt32());
        var metadata = Assert.Single(v0, a => a.TryGetProperty("metaData", out _)).GetProperty("metaData");
        Assert.True(Guid.TryParse(metadata.GetProperty("id").GetString(), out _));
        Assert.Contains("\"name\":\"lastSeen\",\"type\":\"timestamp\"", metadata.GetProperty("schemaString").GetString());
        Assert.All(reader.Commits.Where(c => c.Key > 0), c => Assert.DoesNotContain(c.Value, a => a.TryGetProperty("metaData", out _) || a.TryGetProperty("protocol", out _)));
        Assert.All(reader.Commits.Values, actions => Assert.Equal(
            "STREAMING UPDATE", Assert.Single(actions, a => a.TryGetProperty("commitInfo", out _)).GetProperty("commitInfo").GetProperty("operation").GetString()));

        Assert.Equal(4, reader.Txns["app/sink/state/0"]);
        Assert.Equal(3, reader.Txns["app/sink/state/1"]);
        Assert.DoesNotContain(reader.Commits[3], a => a.TryGetProperty("add", out _));

        Assert.Equal(6, reader.LiveFiles.Count);
        using var duck = reader.OpenDuckDB();
        foreach (var (path, add) in reader.LiveFiles)
        {
            Assert.Equal(reader.Objects[Uri.UnescapeDataString(path)], add.GetProperty("size").GetInt64());
            var stats = JsonDocument.Parse(add.GetProperty("stats").GetString()!).RootElement;
            Assert.Equal(
                stats.GetProperty("numRecords").GetInt64(),
                Convert.ToInt64(IndependentDeltaReader.Scalar(duck, $"SELECT count(*) FROM read_parquet('{reader.LocalPath(path)}')")));
            Assert.Matches(@"^part-\d{5}-[0-9a-f-]{36}\.c000\.snappy\.parquet$", path);
        }

        var rows = IndependentDeltaReader.Query(duck, "SELECT \"user\", \"count\", sessions, ratio, active, epoch_us(lastSeen), region, CAST(byType AS VARCHAR) FROM t ORDER BY \"count\"");
        var expected = written.OrderBy(r => r.Count).Select(r => new object?[]
        {
            r.User, r.Count, r.Sessions, r.Ratio, r.Active, TestRows.Micros(r.LastSeen), r.Region,
            r.ByType is null ? null : $"{{click={r.ByType["click"]}, view={r.ByType["view"]}}}",
        }).ToList();
        Assert.Equal(expected.Count, rows.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Select(Normalize), rows[i].Select(Normalize));
        }

        // Timestamps are UTC instants, and their Parquet statistics are right: a range predicate keeps every row (Parquet.Net's own would be in ms).
        Assert.Equal("TIMESTAMP WITH TIME ZONE", IndependentDeltaReader.Query(duck, "DESCRIBE t").Single(r => (string)r[0]! == "lastSeen")[1]);
        var firstFile = reader.LocalPath(reader.LiveFiles.Keys.First());
        Assert.Equal(5L, Convert.ToInt64(IndependentDeltaReader.Scalar(duck, $"SELECT count(*) FROM read_parquet('{firstFile}') WHERE lastSeen >= TIMESTAMPTZ '2024-05-01 00:00:00+00'")));
    }

    [Fact]
    public async Task Committing_an_epoch_again_is_a_no_op()
    {
        var storage = await emulators.NewTableStorageAsync();
        var table = new DeltaTable(storage, new S3DeltaLogStore(storage), definition: TestRows.Definition());
        var part = new DeltaTxnPart("app/s/st/3", 7, await table.WriteFilesAsync(TestRows.Rows(0, 4), default));
        Assert.Equal(0, (await table.CommitAsync([part], default)).Version);

        // The same epoch again (new files, as a replaying partition would upload), from this writer and from a fresh one.
        var again = new DeltaTxnPart("app/s/st/3", 7, await table.WriteFilesAsync(TestRows.Rows(0, 4), default));
        var result = await table.CommitAsync([again], default);
        Assert.Null(result.Version);
        Assert.False(Assert.Single(result.Parts).CommittedNow);

        var fresh = new DeltaTable(storage, new S3DeltaLogStore(storage), definition: TestRows.Definition());
        Assert.Equal(7, await fresh.TxnVersionAsync("app/s/st/3", refresh: true, default));
        var older = await fresh.CommitAsync([new DeltaTxnPart("app/s/st/3", 6, again.Adds), new DeltaTxnPart("app/s/st/4", 1, [])], default);
        Assert.Equal(1, older.Version);
        Assert.Equal([false, true], older.Parts.Select(p => p.CommittedNow));

        using var reader = await IndependentDeltaReader.LoadAsync(emulators.S3, storage.Bucket, storage.Root);
        Assert.Equal([0L, 1], reader.Commits.Keys);
        using var duck = reader.OpenDuckDB();
        Assert.Equal(4L, Convert.ToInt64(IndependentDeltaReader.Scalar(duck, "SELECT count(*) FROM t")));
        Assert.Equal(4L, Convert.ToInt64(IndependentDeltaReader.Scalar(duck, "SELECT count(DISTINCT \"user\") FROM t")));
    }

    [Fact]
    public async Task A_null_in_a_non_nullable_column_fails_before_anything_is_uploaded()
    {
        var storage = await emulators.NewTableStorageAsync();
        var table = new DeltaTable(storage, new S3DeltaLogStore(storage), definition: TestRows.Definition());
        var rows = TestRows.Rows(0, 3);
        rows.Add(new Abstractions.Sinks.SinkRow("s/0/1/e3", "k", """{"user":null,"count":1,"ratio":1,"active":true,"lastSeen":"2024-05-06T00:00:00+00:00"}"""u8.ToArray()));

        var error = await Assert.ThrowsAsync<DeltaRowException>(() => table.WriteFilesAsync(rows, default));
        Assert.Contains("'user'", error.Message);
        Assert.Contains("s/0/1/e3", error.Message);
        var listing = await emulators.S3.ListObjectsV2Async(new() { BucketName = storage.Bucket });
        Assert.Empty(listing.S3Objects ?? []);
    }

    [Fact]
    public async Task A_table_above_reader_1_writer_2_is_refused()
    {
        var storage = await emulators.NewTableStorageAsync();
        await storage.PutAsync(DeltaLogPaths.Commit(0), """
            {"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors"]}}
            {"metaData":{"id":"x","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":[],"configuration":{}}}
            """u8.ToArray(), default);
        var table = new DeltaTable(storage, new S3DeltaLogStore(storage), definition: TestRows.Definition());

        var error = await Assert.ThrowsAsync<DeltaTableUnsupportedException>(() => table.CommitAsync([new DeltaTxnPart("a", 1, [])], default));
        Assert.Contains("reader version 3 and writer version 7", error.Message);
    }

    [Fact]
    public async Task A_table_with_another_schema_is_refused_by_name()
    {
        var storage = await emulators.NewTableStorageAsync();
        var other = new DeltaTable(storage, new S3DeltaLogStore(storage), definition: TestRows.Definition("region"));
        await other.CommitAsync([new DeltaTxnPart("a", 1, [])], default);
        var table = new DeltaTable(storage, new S3DeltaLogStore(storage), definition: TestRows.Definition());

        var error = await Assert.ThrowsAsync<DeltaTableMismatchException>(() => table.CommitAsync([new DeltaTxnPart("b", 1, [])], default));
        Assert.Contains("partitioned by [region]", error.Message);
    }

    private static object? Normalize(object? value) => value switch
    {
        int i => (long)i,
        float f => (double)f,
        _ => value,
    };
}
