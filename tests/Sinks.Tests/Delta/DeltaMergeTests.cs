using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Sinks.Delta;
using KinesisGrains.Testing.Delta;
using KinesisGrains.Tests.Delta.Support;
using KinesisGrains.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;
using Xunit;
using Xunit.Abstractions;

namespace KinesisGrains.Tests.Delta;

/// <summary>Merge tables (Mode = Merge): one row per live key, copy-on-write per (partition, bucket); read back by DuckDB, never by the writer.</summary>
public sealed class DeltaMergeTests(DeltaEmulatorFixture emulators, ITestOutputHelper output) : IClassFixture<DeltaEmulatorFixture>
{
    [Fact]
    public async Task A_sink_merges_the_changelogs_of_several_partitions_into_one_row_per_live_key()
    {
        const int partitions = 4;
        const int buckets = 3;
        var bucket = await emulators.NewBucketAsync();
        var logTable = $"delta_log_{Guid.NewGuid():N}";
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.Services.AddDeltaSink("merged", o =>
        {
            o.Application = "demo";
            o.StateName = MergeModel.StateName;
            o.Output = SinkOutputKind.Changelog;
            o.Mode = DeltaSinkMode.Merge;
            o.MergeBuckets = buckets;
            o.Bucket = bucket;
            o.Path = "tables/current";
            o.PartitionColumns = ["date(lastSeen)"]; // a key's date moves between epochs: its row must move with it
            o.CheckpointInterval = 3;
            o.LogStore = DeltaLogStoreKind.DynamoDB;
            o.LogTableName = logTable;
            o.ServiceUrl = emulators.S3Endpoint;
            o.DynamoDBServiceUrl = emulators.DynamoDBEndpoint;
            o.AccessKeyId = "S3RVER";
            o.SecretAccessKey = "S3RVER";
        }));
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var sink = cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IRowSink>("merged");
        using var redos = new SinkCounter("kgrains.delta.merge_redos", "merged");

        var model = new MergeModel();
        static IEnumerable<(string, ActivityState?)> Changes(int p, long e)
        {
            string K(int n) => $"p{p}-k{n:D2}";
            IEnumerable<(string, ActivityState?)> Upsert(params int[] ns) => ns.Select(n => (K(n), (ActivityState?)MergeModel.State(n, e)));
            IEnumerable<(string, ActivityState?)> Delete(params int[] ns) => ns.Select(n => (K(n), (ActivityState?)null));
            return e switch
            {
                1 => Upsert([.. Enumerable.Range(0, 15)]),
                2 => [.. Upsert(0, 1, 2, 3, 4), .. Delete(5, 6, 7), .. Upsert(15, 16, 17), ($"p{p}-never", null)], // deleting a key never written is fine
                3 => p == 2 ? [] : [.. Upsert(0, 1, 5), .. Delete(10)], // partition 2: an empty epoch; key 5 comes back
                4 => p == 3 ? Delete(0, 1, 2, 3, 4) : Upsert(11, 12, 13),
                _ => Upsert(15, 16, 17, 18, 19),
            };
        }

        var results = new List<SinkCommitResult>();
        for (var epoch = 1L; epoch <= 5; epoch++)
        {
            var batches = Enumerable.Range(0, partitions).Select(p => model.Batch(p, epoch, Changes(p, epoch))).ToList();
            results.AddRange(await Task.WhenAll(batches.Select(b => sink.CommitAsync(b, default))));
        }

        Assert.All(results, r => Assert.False(r.AlreadyCommitted));
        var versions = results.Select(r => r.Version!.Value).Distinct().Count();
        output.WriteLine($"{results.Count} partition epochs in {versions} versions");
        Assert.InRange(versions, 5, results.Count - 1); // group commit: some partitions of a barrier share a version

        // Replays (a partition that crashed before recording its commit) change nothing; one from a fresh process neither.
        using var before = await IndependentDeltaReader.LoadAsync(emulators.S3, bucket, "tables/current");
        Assert.True((await sink.CommitAsync(SinkBatches.Changelog(MergeModel.StateName, 1, 5, ("p1-k00", MergeModel.State(0, 99))), default)).AlreadyCommitted);
        using var runtime = new DeltaSinkRuntime(cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<DeltaSinkRuntime>("merged").Options);
        var fresh = new DeltaSink(runtime, cluster.Client);
        Assert.True((await fresh.CommitAsync(SinkBatches.Changelog(MergeModel.StateName, 0, 3, ("p0-k00", MergeModel.State(0, 99))), default)).AlreadyCommitted);
        using (var afterReplays = await IndependentDeltaReader.LoadAsync(emulators.S3, bucket, "tables/current"))
        {
            Assert.Equal(before.Commits.Keys, afterReplays.Commits.Keys);
            Assert.Equal(before.Objects.Keys.Order(), afterReplays.Objects.Keys.Order()); // nothing uploaded
        }

        // Partition 1 moves to the fresh process for epoch 6 and back for epoch 7: the first sink's files of
        // partition 1 are stale then, the grain says so, and it merges again on top of epoch 6.
        Assert.False((await fresh.CommitAsync(model.Batch(1, 6, [("p1-k00", MergeModel.State(0, 6)), ("p1-k01", null)]), default)).AlreadyCommitted);
        Assert.Equal(0, redos.Total);
        var moved = await sink.CommitAsync(model.Batch(1, 7, [("p1-k00", MergeModel.State(0, 7)), ("p1-k02", null), ("p1-k01", MergeModel.State(1, 7))]), default);
        Assert.False(moved.AlreadyCommitted);
        Assert.True(redos.Total >= 1);

        using var reader = await IndependentDeltaReader.LoadAsync(emulators.S3, bucket, "tables/current");
        var metadata = reader.Commits[0].Single(a => a.TryGetProperty("metaData", out _)).GetProperty("metaData");
        Assert.Equal("3", metadata.GetProperty("configuration").GetProperty("kgrains.mergeBuckets").GetString());
        Assert.Equal(["lastSeen_date"], reader.PartitionColumns);
        Assert.Equal(5, reader.Txns["demo/merged/activity/2"]); // its empty epoch 3 is recorded too
        Assert.Equal(7, reader.Txns["demo/merged/activity/1"]);
        model.AssertTable(reader);
        MergeModel.AssertOwnership(reader, buckets, key => int.Parse(key[1..key.IndexOf('-')], CultureInfo.InvariantCulture));
        using (var duck = reader.OpenDuckDB())
        {
            // The date partition column agrees with each row's timestamp after keys moved between dates.
            Assert.Equal(0L, Convert.ToInt64(IndependentDeltaReader.Scalar(duck, "SELECT count(*) FROM t WHERE lastSeen_date <> strftime(make_timestamp(epoch_us(lastSeen)), '%Y-%m-%d')")));
        }

        // What crosses silos to the committer grain survives Orleans' serializer (local calls skip it: the types are immutable).
        var serializer = cluster.Silos[0].ServiceProvider.GetRequiredService<Orleans.Serialization.Serializer>();
        var add = new DeltaAddFile { Path = "x.parquet", Size = 3, Tags = DeltaMergeLayout.Tags(7, 2) };
        var part = new DeltaMergePart("a/7", 9, 7, [new DeltaMergeBucket(2, ["old.parquet"], [add])], 5, 40);
        var copy = serializer.Deserialize<DeltaMergePart>(serializer.SerializeToArray(part))!;
        Assert.Equal((part.AppId, part.Version, part.Partition, part.Rows, part.RowsWritten), (copy.AppId, copy.Version, copy.Partition, copy.Rows, copy.RowsWritten));
        Assert.Equal(["old.parquet"], copy.Buckets[0].Base);
        Assert.Equal(add.Tags.OrderBy(t => t.Key), copy.Adds.Single().Tags!.OrderBy(t => t.Key));
        var outcome = serializer.Deserialize<DeltaMergeOutcome>(serializer.SerializeToArray(new DeltaMergeOutcome("a/7", 9, DeltaMergeStatus.Stale, null, [add])))!;
        Assert.Equal((DeltaMergeStatus.Stale, "x.parquet"), (outcome.Status, outcome.PartitionFiles.Single().Path));
        var definition = MergeModel.Definition(buckets, "date(lastSeen)");
        Assert.Equal(definition, serializer.Deserialize<DeltaTableDefinition>(serializer.SerializeToArray(definition)));
        Assert.NotEqual(definition, MergeModel.Definition(buckets + 1, "date(lastSeen)"));

        // Every data object is a live file or a removed one: no upload of a stale or skipped merge is left behind.
        var removed = reader.Commits.Values.SelectMany(c => c).Where(a => a.TryGetProperty("remove", out _)).Select(a => a.GetProperty("remove").GetProperty("path").GetString()!).ToList();
        Assert.Equal(removed.Count, removed.Distinct().Count()); // no file removed twice
        Assert.Equal(
            reader.LiveFiles.Keys.Concat(removed).Select(Uri.UnescapeDataString).Order(),
            reader.Objects.Keys.Where(k => !k.StartsWith("_delta_log/", StringComparison.Ordinal)).Order());
    }

    [Fact]
    public async Task Only_the_touched_buckets_are_rewritten_and_replays_optimize_and_vacuum_keep_the_rows()
    {
        const int buckets = 8;
        var storage = await emulators.NewTableStorageAsync();
        var options = new DeltaTableOptions { CheckpointInterval = 2 };
        var table = new DeltaTable(storage, new S3DeltaLogStore(storage), options, MergeModel.Definition(buckets));
        var model = new MergeModel();
        var keys = Enumerable.Range(0, 200).Select(n => $"k{n:D3}").ToList();
        var byBucket = keys.ToLookup(k => MergeModel.BucketOf(k, buckets));
        Task<DeltaMergeResult> Merge(DeltaTable writer, long epoch, IEnumerable<(string, ActivityState?)> changes) =>
            writer.MergeAsync("app/0", epoch, 0, model.Batch(0, epoch, changes).Rows, default);

        var first = await Merge(table, 1, keys.Select(k => (k, (ActivityState?)MergeModel.State(int.Parse(k[1..], CultureInfo.InvariantCulture), 1))));
        Assert.Equal((0L, 0, byBucket.Count, 200L), (first.Version!.Value, first.Removed, first.Added, first.RowsWritten));
        using var v0 = await IndependentDeltaReader.LoadAsync(emulators.S3, storage.Bucket, storage.Root);

        // Epoch 2 touches buckets 1 and 5 only: their two files are replaced, the other six stay as they were.
        var second = await Merge(table, 2, [.. byBucket[1].Take(3).Select(k => (k, (ActivityState?)MergeModel.State(7, 2))), .. byBucket[5].Take(2).Select(k => (k, (ActivityState?)null))]);
        Assert.Equal((1L, 2, 2, (long)(byBucket[1].Count() + byBucket[5].Count() - 2)), (second.Version!.Value, second.Removed, second.Added, second.RowsWritten));

        // Epoch 3 deletes the rest of bucket 5: its file goes, none comes.
        var third = await Merge(table, 3, byBucket[5].Skip(2).Select(k => (k, (ActivityState?)null)));
        Assert.Equal((2L, 1, 0), (third.Version!.Value, third.Removed, third.Added));
        Assert.NotNull(await storage.GetAsync(DeltaLogPaths.Checkpoint(2), default));

        // A fresh writer starts from the checkpoint: the tags that say which file is whose must have survived in it.
        var freshTable = new DeltaTable(storage, new S3DeltaLogStore(storage), options, MergeModel.Definition(buckets));
        var fourth = await Merge(freshTable, 4, [(byBucket[1].First(), MergeModel.State(1, 4))]);
        Assert.Equal((3L, 1, 1), (fourth.Version!.Value, fourth.Removed, fourth.Added));

        using var reader = await IndependentDeltaReader.LoadAsync(emulators.S3, storage.Bucket, storage.Root);
        Assert.Equal((0, byBucket.Count), MergeModel.Counts(reader, 0));
        Assert.Equal((2, 2), MergeModel.Counts(reader, 1));
        Assert.Equal((1, 0), MergeModel.Counts(reader, 2));
        Assert.Equal((1, 1), MergeModel.Counts(reader, 3));
        Assert.All(reader.Commits[1].Where(a => a.TryGetProperty("remove", out _)), a =>
        {
            var remove = a.GetProperty("remove");
            Assert.True(remove.GetProperty("dataChange").GetBoolean());
            Assert.True(remove.GetProperty("deletionTimestamp").GetInt64() > 0);
        });
        var untouched = v0.LiveFiles.Where(f => f.Value.GetProperty("tags").GetProperty("kgrains.bucket").GetString() is not ("1" or "5")).Select(f => f.Key).ToList();
        Assert.Equal(byBucket.Count - 2, untouched.Count);
        Assert.All(untouched, path => Assert.Contains(path, reader.LiveFiles.Keys));
        Assert.DoesNotContain(reader.LiveFiles.Values, f => f.GetProperty("tags").GetProperty("kgrains.bucket").GetString() == "5");
        Assert.Equal(1, reader.LiveFiles.Values.Count(f => f.GetProperty("tags").GetProperty("kgrains.bucket").GetString() == "1"));
        model.AssertTable(reader);
        MergeModel.AssertOwnership(reader, buckets, _ => 0);

        // A replayed epoch: no read, no upload, no version; for the writer that committed it and for the other.
        var replay = await freshTable.MergeAsync("app/0", 4, 0, SinkBatches.Changelog(MergeModel.StateName, 0, 4, (byBucket[2].First(), MergeModel.State(2, 99))).Rows, default);
        Assert.Equal(((long?)null, DeltaMergeStatus.AlreadyCommitted), (replay.Version, replay.Status));
        Assert.Equal(DeltaMergeStatus.AlreadyCommitted, (await table.MergeAsync("app/0", 2, 0, SinkBatches.Changelog(MergeModel.StateName, 0, 2, (byBucket[2].First(), MergeModel.State(2, 99))).Rows, default)).Status);

        // Optimize leaves a merge table alone, saying why.
        var optimize = await freshTable.OptimizeAsync(new DeltaOptimizeOptions { TargetFileSize = DeltaTableOptions.MiB }, default);
        Assert.Null(optimize.Version);
        Assert.Contains("merge table", optimize.Skipped);
        using var afterMaintenance = await IndependentDeltaReader.LoadAsync(emulators.S3, storage.Bucket, storage.Root);
        Assert.Equal(reader.Commits.Keys, afterMaintenance.Commits.Keys);
        Assert.Equal(reader.Objects.Keys.Order(), afterMaintenance.Objects.Keys.Order());

        // Vacuum takes the replaced files (tombstones) and nothing else; the rows stay.
        var removed = reader.Commits.Values.SelectMany(c => c).Where(a => a.TryGetProperty("remove", out _)).Select(a => Uri.UnescapeDataString(a.GetProperty("remove").GetProperty("path").GetString()!)).ToList();
        Assert.Equal(4, removed.Count);
        var vacuum = await freshTable.VacuumAsync(new DeltaVacuumOptions { Retention = TimeSpan.Zero, Force = true }, default);
        Assert.Equal(removed.Order(), vacuum.Files.Order());
        using var vacuumed = await IndependentDeltaReader.LoadAsync(emulators.S3, storage.Bucket, storage.Root);
        Assert.Equal(vacuumed.LiveFiles.Keys.Select(Uri.UnescapeDataString).Order(), vacuumed.Objects.Keys.Where(k => !k.StartsWith("_delta_log/", StringComparison.Ordinal)).Order());
        model.AssertTable(vacuumed);
    }

    [Fact]
    public async Task A_writer_that_loses_a_race_for_a_bucket_merges_again_on_top_of_the_winner()
    {
        var storage = await emulators.NewTableStorageAsync();
        var logTable = $"delta_log_{Guid.NewGuid():N}";

        // Two writers as two processes would be: their own S3 clients, log stores and snapshots; one bucket per partition.
        DeltaTable Writer()
        {
            var own = new DeltaTableStorage(emulators.NewS3Client(), storage.Bucket, storage.Root);
            return new DeltaTable(own, emulators.DynamoDBLogStore(own, logTable), new DeltaTableOptions { CheckpointInterval = 4 }, MergeModel.Definition(1));
        }

        var (a, b) = (Writer(), Writer());
        var model = new MergeModel();
        IReadOnlyList<SinkRow> Rows(int partition, long epoch, IEnumerable<(string, ActivityState?)> changes) => model.Batch(partition, epoch, changes).Rows;
        IEnumerable<(string, ActivityState?)> Upsert(string prefix, long epoch, IEnumerable<int> ns) => ns.Select(n => ($"{prefix}{n:D2}", (ActivityState?)MergeModel.State(n, epoch)));
        IEnumerable<(string, ActivityState?)> Delete(string prefix, IEnumerable<int> ns) => ns.Select(n => ($"{prefix}{n:D2}", (ActivityState?)null));

        // Partition 0: A writes epoch 1, B sees it; A writes epoch 2 (updates, deletions), which B has not seen
        // when it merges epoch 3 on top of epoch 1's file. B's commit loses version 1, finds that file removed, and
        // merges again from epoch 2's: had it not, epoch 2's updates would be lost and its deleted keys back.
        Assert.Equal(0, (await a.MergeAsync("app/0", 1, 0, Rows(0, 1, Upsert("p0-k", 1, Enumerable.Range(0, 30))), default)).Version);
        await b.RefreshAsync(default);
        Assert.Equal(1, (await a.MergeAsync("app/0", 2, 0, Rows(0, 2, [.. Upsert("p0-k", 2, Enumerable.Range(0, 10)), .. Delete("p0-k", Enumerable.Range(10, 5))]), default)).Version);
        var lost = await b.MergeAsync("app/0", 3, 0, Rows(0, 3, [.. Upsert("p0-k", 3, [5, 10, 30]), .. Delete("p0-k", [20])]), default);
        Assert.Equal((2L, DeltaMergeStatus.Committed, 1, 1, 1), (lost.Version!.Value, lost.Status, lost.Redos, lost.Removed, lost.Added));
        Assert.True(lost.Attempts >= 2);

        // And the other way round: A last saw version 1.
        var back = await a.MergeAsync("app/0", 4, 0, Rows(0, 4, Upsert("p0-k", 4, [0, 20])), default);
        Assert.Equal((3L, 1), (back.Version!.Value, back.Redos));

        // A replay by a writer that has not seen the epoch: it merges, loses the race, and finds the epoch committed.
        var b5 = model.Batch(0, 5, Upsert("p0-k", 5, [1])).Rows;
        Assert.Equal(4, (await a.MergeAsync("app/0", 5, 0, b5, default)).Version);
        var replay = await b.MergeAsync("app/0", 5, 0, b5, default);
        Assert.Equal(((long?)null, DeltaMergeStatus.AlreadyCommitted), (replay.Version, replay.Status));

        // Partition 1: both start from an empty bucket (two applications' appIds): the loser's base (no file) is stale
        // once the winner added one, although no file it read was removed.
        await a.RefreshAsync(default);
        await b.RefreshAsync(default);
        Assert.Equal(0, (await a.MergeAsync("x/1", 1, 1, Rows(1, 1, Upsert("p1-x", 1, Enumerable.Range(0, 5))), default)).Redos);
        Assert.Equal(1, (await b.MergeAsync("y/1", 1, 1, Rows(1, 1, Upsert("p1-y", 1, Enumerable.Range(0, 5))), default)).Redos);

        // Partition 2: both at once, many times (their own keys, one bucket): whatever the interleaving, nothing is lost.
        var counts = new int[2];
        async Task Writer2(DeltaTable writer, string app, int index)
        {
            var own = new MergeModel();
            for (var epoch = 1L; epoch <= 6; epoch++)
            {
                var ns = Enumerable.Range((int)(epoch - 1) * 4, 4);
                var changes = Upsert($"p2-{app}", epoch, ns).Concat(Upsert($"p2-{app}", epoch, [0])).Concat(epoch > 2 ? Delete($"p2-{app}", [(int)epoch]) : []).ToList();
                var result = await writer.MergeAsync($"{app}/2", epoch, 2, own.Batch(2, epoch, changes).Rows, default);
                Assert.Equal(DeltaMergeStatus.Committed, result.Status);
                counts[index] += result.Redos;
            }

            lock (model)
            {
                foreach (var (key, state) in own.Live)
                {
                    model.Live[key] = state;
                }
            }
        }

        await Task.WhenAll(Writer2(a, "a", 0), Writer2(b, "b", 1));
        output.WriteLine($"concurrent merges of one bucket: {counts[0]} + {counts[1]} redos in 12 commits");

        using var reader = await IndependentDeltaReader.LoadAsync(emulators.S3, storage.Bucket, storage.Root);
        Assert.Equal(Enumerable.Range(0, 7 + 12).Select(v => (long)v), reader.Commits.Keys); // one version per committed merge
        Assert.Equal(5, reader.Txns["app/0"]);
        model.AssertTable(reader);
        MergeModel.AssertOwnership(reader, 1, key => key[1] - '0');
        Assert.Equal(3, reader.LiveFiles.Count); // one file per (partition, bucket)
        var removed = reader.Commits.Values.SelectMany(c => c).Where(x => x.TryGetProperty("remove", out _)).Select(x => x.GetProperty("remove").GetProperty("path").GetString()!).ToList();
        Assert.Equal(removed.Count, removed.Distinct().Count()); // each file replaced once: by exactly one winner
        Assert.Equal(
            reader.LiveFiles.Keys.Concat(removed).Select(Uri.UnescapeDataString).Order(),
            reader.Objects.Keys.Where(k => !k.StartsWith("_delta_log/", StringComparison.Ordinal)).Order()); // losers' uploads are gone
    }

    [Fact]
    public async Task A_table_of_another_mode_or_bucket_count_is_refused_before_anything_is_uploaded()
    {
        Assert.Throws<ArgumentException>(() => DeltaTableDefinition.For(TestRows.Schema, [], 2)); // not a changelog
        Assert.Throws<ArgumentOutOfRangeException>(() => MergeModel.Definition(0));

        var storage = await emulators.NewTableStorageAsync();
        var rows = SinkBatches.Changelog(MergeModel.StateName, 0, 1, ("k", MergeModel.State(1, 1))).Rows;
        await new DeltaTable(storage, new S3DeltaLogStore(storage), definition: MergeModel.Definition(4)).MergeAsync("app/0", 1, 0, rows, default);
        var objects = await ObjectsAsync(storage);

        var other = new DeltaTable(storage, new S3DeltaLogStore(storage), definition: MergeModel.Definition(2));
        var error = await Assert.ThrowsAsync<DeltaTableMismatchException>(() => other.MergeAsync("app/0", 2, 0, rows, default));
        Assert.Contains("merge table of 4 buckets (kgrains.mergeBuckets)", error.Message);
        Assert.Contains("merges into 2 buckets", error.Message);
        var append = new DeltaTable(storage, new S3DeltaLogStore(storage), definition: DeltaTableDefinition.For(MergeModel.Schema, []));
        Assert.Contains("appends rows", (await Assert.ThrowsAsync<DeltaTableMismatchException>(() =>
            append.CommitAsync([new DeltaTxnPart("app/0", 2, [])], default))).Message);
        Assert.Equal(objects, await ObjectsAsync(storage));

        // A file another engine added (or rewrote) without the tags that say whose it is: merging would keep its keys twice.
        var foreign = """
            {"commitInfo":{"operation":"OPTIMIZE"}}
            {"add":{"path":"part-00000-foreign.c000.snappy.parquet","partitionValues":{},"size":1,"modificationTime":1,"dataChange":false}}
            """u8.ToArray();
        Assert.True(await new S3DeltaLogStore(storage).TryWriteCommitAsync(1, foreign, default));
        var unsupported = await Assert.ThrowsAsync<DeltaTableUnsupportedException>(() =>
            new DeltaTable(storage, new S3DeltaLogStore(storage), definition: MergeModel.Definition(4)).MergeAsync("app/0", 2, 0, rows, default));
        Assert.Contains("part-00000-foreign.c000.snappy.parquet", unsupported.Message);
        Assert.Equal(objects.Append(storage.Key("_delta_log/00000000000000000001.json")).Order(), await ObjectsAsync(storage));

        // And a table rows were appended to does not become a merge table.
        var appended = await emulators.NewTableStorageAsync();
        var appender = new DeltaTable(appended, new S3DeltaLogStore(appended), definition: DeltaTableDefinition.For(MergeModel.Schema, []));
        await appender.CommitAsync([new DeltaTxnPart("app/0", 1, await appender.WriteFilesAsync(rows, default))], default);
        Assert.Contains("a table rows are appended to", (await Assert.ThrowsAsync<DeltaTableMismatchException>(() =>
            new DeltaTable(appended, new S3DeltaLogStore(appended), definition: MergeModel.Definition(1)).MergeAsync("app/0", 2, 0, rows, default))).Message);
        Assert.Single(await ObjectsAsync(appended), k => !k.Contains("_delta_log/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    public async Task Merge_of_10k_keys_in_one_partition(int buckets)
    {
        const int keys = 10_000;
        var storage = await emulators.NewTableStorageAsync();
        var table = new DeltaTable(storage, new S3DeltaLogStore(storage), new DeltaTableOptions { CheckpointInterval = 0 }, MergeModel.Definition(buckets));
        var model = new MergeModel();
        var timings = new List<string>();
        async Task Merge(long epoch, string what, IEnumerable<int> ns, bool delete = false)
        {
            var rows = model.Batch(0, epoch, ns.Select(n => ($"key-{n:D5}", delete ? null : MergeModel.State(n, epoch)))).Rows;
            var watch = Stopwatch.StartNew();
            var result = await table.MergeAsync("app/0", epoch, 0, rows, default);
            timings.Add($"{what}: {watch.ElapsedMilliseconds} ms ({result.Removed} files replaced by {result.Added}, {result.RowsWritten} rows written)");
            Assert.Equal(DeltaMergeStatus.Committed, result.Status);
        }

        await Merge(1, $"insert {keys}", Enumerable.Range(0, keys));
        await Merge(2, "update 1000", Enumerable.Range(0, 1000).Select(i => i * 10));
        await Merge(3, "update 1000 again", Enumerable.Range(0, 1000).Select(i => (i * 10) + 1));
        await Merge(4, "update 10", Enumerable.Range(0, 10).Select(i => i * 997));
        await Merge(5, "delete 100", Enumerable.Range(0, 100).Select(i => (i * 97) + 3), delete: true);
        output.WriteLine($"MergeBuckets={buckets}, s3rver, 2 cores:\n  " + string.Join("\n  ", timings));

        using var reader = await IndependentDeltaReader.LoadAsync(emulators.S3, storage.Bucket, storage.Root);
        Assert.Equal(keys - 100, model.Live.Count);
        model.AssertTable(reader);
        Assert.Equal(Math.Min(buckets, keys), reader.LiveFiles.Count);
    }

    private static async Task<List<string>> ObjectsAsync(DeltaTableStorage storage) =>
        [.. ((await storage.S3.ListObjectsV2Async(new() { BucketName = storage.Bucket, Prefix = storage.Root + "/" })).S3Objects ?? []).Select(o => o.Key).Order()];

    /// <summary>Sums one Delta counter's measurements for one sink.</summary>
    private sealed class SinkCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _total;

        public SinkCounter(string instrument, string sink)
        {
            _listener.InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == DeltaMetrics.MeterName && i.Name == instrument)
                {
                    l.EnableMeasurementEvents(i);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "sink" && Equals(tag.Value, sink))
                    {
                        Interlocked.Add(ref _total, value);
                    }
                }
            });
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public void Dispose() => _listener.Dispose();
    }
}
