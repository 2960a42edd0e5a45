using System.Text.Json;
using KinesisGrains.Sinks.Delta;
using KinesisGrains.Testing.Delta;
using KinesisGrains.Tests.Delta.Support;
using Xunit;

namespace KinesisGrains.Tests.Delta;

public sealed class DeltaMaintenanceTests(DeltaEmulatorFixture emulators) : IClassFixture<DeltaEmulatorFixture>
{
    [Fact]
    public async Task Checkpoints_every_N_commits_serve_a_fresh_reader_and_DuckDB_reads_them()
    {
        var storage = await emulators.NewTableStorageAsync();
        var table = new DeltaTable(storage, new S3DeltaLogStore(storage), new DeltaTableOptions { CheckpointInterval = 3 }, TestRows.Definition("region"));
        for (var epoch = 0; epoch < 8; epoch++)
        {
            await table.CommitAsync([new DeltaTxnPart($"app/{epoch % 2}", epoch, await table.WriteFilesAsync(TestRows.Rows(epoch * 3, 3), default))], default);
        }

        var keys = (await emulators.S3.ListObjectsV2Async(new() { BucketName = storage.Bucket, Prefix = storage.Key("_delta_log/") })).S3Objects.Select(o => o.Key[(storage.Root.Length + 12)..]).ToList();
        Assert.Equal(["00000000000000000003.checkpoint.parquet", "00000000000000000006.checkpoint.parquet"], keys.Where(k => k.EndsWith(".checkpoint.parquet", StringComparison.Ordinal)).Order());
        var pointer = JsonDocument.Parse(await storage.GetAsync(DeltaLogPaths.LastCheckpoint, default) ?? []).RootElement;
        Assert.Equal(6, pointer.GetProperty("version").GetInt64());

        // DuckDB reads the checkpoint as the protocol lays it out: one action per row in struct columns.
        var expected = await table.RefreshAsync(default);
        using var folder = new Testing.TempDirectory("delta-cp");
        var local = Path.Combine(folder.Path, "cp.parquet");
        await File.WriteAllBytesAsync(local, (await storage.GetAsync(DeltaLogPaths.Checkpoint(6), default))!);
        using (var duck = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:"))
        {
            duck.Open();
            var row = IndependentDeltaReader.Query(duck, $"""
                SELECT count(add.path), count(txn.appId), count(metaData.id), max(protocol.minWriterVersion), max(metaData.partitionColumns[1]),
                       max(txn.version) FILTER (WHERE txn.appId = 'app/0'), sum(add.size)::BIGINT, count(*) FILTER (WHERE add.partitionValues['region'] = 'eu')
                FROM read_parquet('{local}')
                """).Single();
            Assert.Equal(7 * 3, Convert.ToInt32(row[0])); // files of versions 0..6, one per region (eu, us, null) of each epoch's rows
            Assert.Equal(2, Convert.ToInt32(row[1]));
            Assert.Equal(1, Convert.ToInt32(row[2]));
            Assert.Equal(2, Convert.ToInt32(row[3]));
            Assert.Equal("region", row[4]);
            Assert.Equal(6L, Convert.ToInt64(row[5]));
            Assert.True(Convert.ToInt64(row[6]) > 0);
            Assert.True(Convert.ToInt32(row[7]) > 0);
        }

        // A fresh reader with the JSON before the checkpoint gone can only have its state from the checkpoint.
        await storage.DeleteAsync([.. Enumerable.Range(0, 7).Select(v => DeltaLogPaths.Commit(v))], default);
        var fresh = await new DeltaTable(storage, new S3DeltaLogStore(storage), definition: TestRows.Definition("region")).RefreshAsync(default);
        Assert.Equal(7, fresh.Version);
        Assert.Equal(expected.Files.Keys.Order(), fresh.Files.Keys.Order());
        Assert.Equal(expected.Files.Values.Select(f => (f.Path, f.Size, f.Stats, f.PartitionValues["region"])).OrderBy(f => f.Path), fresh.Files.Values.Select(f => (f.Path, f.Size, f.Stats, f.PartitionValues["region"])).OrderBy(f => f.Path));
        Assert.Equal(6, fresh.TxnVersion("app/0"));
        Assert.Equal(7, fresh.TxnVersion("app/1"));
        Assert.Equal(expected.Metadata, fresh.Metadata);
        Assert.Equal(expected.Protocol, fresh.Protocol);
    }

    [Fact]
    public async Task Optimize_compacts_small_files_per_partition_and_vacuum_deletes_only_what_is_unreferenced()
    {
        var storage = await emulators.NewTableStorageAsync();
        var table = new DeltaTable(storage, new S3DeltaLogStore(storage), new DeltaTableOptions { CheckpointInterval = 4 }, TestRows.Definition("region"));
        for (var epoch = 0; epoch < 6; epoch++)
        {
            await table.CommitAsync([new DeltaTxnPart("app", epoch, await table.WriteFilesAsync(TestRows.Rows(epoch * 6, 6), default))], default);
        }

        using var before = await IndependentDeltaReader.LoadAsync(emulators.S3, storage.Bucket, storage.Root);
        List<object?[]> rowsBefore;
        using (var duck = before.OpenDuckDB())
        {
            rowsBefore = IndependentDeltaReader.Query(duck, "SELECT \"user\", \"count\", sessions, ratio, active, epoch_us(lastSeen), region, CAST(byType AS VARCHAR) FROM t ORDER BY \"user\"");
        }

        Assert.Equal(18, before.LiveFiles.Count);
        var result = await table.OptimizeAsync(null, default);

        Assert.Equal(6, result.Version);
        Assert.Equal(18, result.FilesRemoved);
        Assert.Equal(3, result.FilesAdded);
        Assert.Equal(3, result.PartitionsOptimized);
        Assert.Equal(36, result.Rows);

        using var after = await IndependentDeltaReader.LoadAsync(emulators.S3, storage.Bucket, storage.Root);
        Assert.Equal(3, after.LiveFiles.Count);
        var optimize = after.Commits[6];
        Assert.Equal("OPTIMIZE", optimize.Single(a => a.TryGetProperty("commitInfo", out _)).GetProperty("commitInfo").GetProperty("operation").GetString());
        Assert.Equal(18, optimize.Count(a => a.TryGetProperty("remove", out var r) && !r.GetProperty("dataChange").GetBoolean()));
        Assert.Equal(3, optimize.Count(a => a.TryGetProperty("add", out var r) && !r.GetProperty("dataChange").GetBoolean()));
        using (var duck = after.OpenDuckDB())
        {
            Assert.Equal(rowsBefore, IndependentDeltaReader.Query(duck, "SELECT \"user\", \"count\", sessions, ratio, active, epoch_us(lastSeen), region, CAST(byType AS VARCHAR) FROM t ORDER BY \"user\""));
            foreach (var (path, add) in after.LiveFiles)
            {
                var stats = JsonDocument.Parse(add.GetProperty("stats").GetString()!).RootElement;
                Assert.Equal(stats.GetProperty("numRecords").GetInt64(), Convert.ToInt64(IndependentDeltaReader.Scalar(duck, $"SELECT count(*) FROM read_parquet('{after.LocalPath(path)}')")));
                Assert.Equal(after.Objects[Uri.UnescapeDataString(path)], add.GetProperty("size").GetInt64());
            }
        }

        // Nothing is old enough yet; a short retention is refused unless forced; a dry run deletes nothing.
        Assert.Empty((await table.VacuumAsync(null, default)).Files);
        await Assert.ThrowsAsync<ArgumentException>(() => table.VacuumAsync(new DeltaVacuumOptions { Retention = TimeSpan.Zero }, default));
        var orphan = "region=eu/part-00000-orphan.c000.snappy.parquet";
        await storage.PutAsync(orphan, [1, 2, 3], default);
        var dry = await table.VacuumAsync(new DeltaVacuumOptions { Retention = TimeSpan.Zero, Force = true, DryRun = true }, default);
        Assert.Equal(18, dry.Files.Count);
        Assert.True(await storage.ExistsAsync(dry.Files[0], default));

        // Lite: the 18 removed files go; the live ones, the log and the never-committed orphan stay.
        var vacuum = await table.VacuumAsync(new DeltaVacuumOptions { Retention = TimeSpan.Zero, Force = true }, default);
        Assert.Equal(before.LiveFiles.Keys.Select(Uri.UnescapeDataString).Order(), vacuum.Files.Order());
        using var vacuumed = await IndependentDeltaReader.LoadAsync(emulators.S3, storage.Bucket, storage.Root);
        Assert.Equal(
            after.LiveFiles.Keys.Select(Uri.UnescapeDataString).Append(orphan).Order(),
            vacuumed.Objects.Keys.Where(k => !k.StartsWith("_delta_log/", StringComparison.Ordinal)).Order());
        Assert.Equal(after.Commits.Keys, vacuumed.Commits.Keys);
        using (var duck = vacuumed.OpenDuckDB())
        {
            Assert.Equal(36L, Convert.ToInt64(IndependentDeltaReader.Scalar(duck, "SELECT count(*) FROM t")));
        }

        // Full: the orphan too.
        var full = await table.VacuumAsync(new DeltaVacuumOptions { Retention = TimeSpan.Zero, Force = true, Mode = DeltaVacuumMode.Full }, default);
        Assert.Equal([orphan], full.Files);
        Assert.False(await storage.ExistsAsync(orphan, default));
    }

    [Fact]
    public async Task Partition_values_live_in_the_log_and_readers_see_them()
    {
        var storage = await emulators.NewTableStorageAsync();
        var table = new DeltaTable(storage, new S3DeltaLogStore(storage), definition: TestRows.Definition("region", "date(lastSeen)", "active"));
        var adds = await table.WriteFilesAsync(TestRows.Rows(0, 24), default);
        await table.CommitAsync([new DeltaTxnPart("app", 1, adds)], default);

        using var reader = await IndependentDeltaReader.LoadAsync(emulators.S3, storage.Bucket, storage.Root);
        Assert.Equal(["region", "lastSeen_date", "active"], reader.PartitionColumns);
        var schema = JsonDocument.Parse(reader.Commits[0].Single(a => a.TryGetProperty("metaData", out _)).GetProperty("metaData").GetProperty("schemaString").GetString()!).RootElement;
        Assert.Contains(schema.GetProperty("fields").EnumerateArray(), f => f.GetProperty("name").GetString() == "lastSeen_date" && f.GetProperty("type").GetString() == "string");

        foreach (var (path, add) in reader.LiveFiles)
        {
            var values = add.GetProperty("partitionValues");
            var region = values.GetProperty("region");
            Assert.StartsWith(region.ValueKind == JsonValueKind.Null ? "region=__HIVE_DEFAULT_PARTITION__/" : $"region={region.GetString()}/", path);
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", values.GetProperty("lastSeen_date").GetString());
            Assert.Contains($"/lastSeen_date={values.GetProperty("lastSeen_date").GetString()}/active={values.GetProperty("active").GetString()}/part-", path);

            // Partition columns are not in the data files.
            var stats = JsonDocument.Parse(add.GetProperty("stats").GetString()!).RootElement;
            Assert.False(stats.GetProperty("nullCount").TryGetProperty("region", out _));
        }

        using var duck = reader.OpenDuckDB();
        var rows = IndependentDeltaReader.Query(duck, "SELECT \"user\", region, lastSeen_date, active, CAST(lastSeen AS DATE)::VARCHAR FROM t ORDER BY \"count\"");
        Assert.Equal(24, rows.Count);
        for (var n = 0; n < 24; n++)
        {
            var row = TestRows.Row(n);
            Assert.Equal(row.User, rows[n][0]);
            Assert.Equal(row.Region, rows[n][1]);
            Assert.Equal(row.LastSeen.UtcDateTime.ToString("yyyy-MM-dd"), rows[n][2]);
            Assert.Equal(row.Active ? "true" : "false", rows[n][3]);
        }

        Assert.Equal(reader.LiveFiles.Count, rows.Select(r => (r[1], r[2], r[3])).Distinct().Count());
    }
}
