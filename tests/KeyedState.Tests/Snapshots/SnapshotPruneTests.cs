using System.Diagnostics;
using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.KeyedState.Snapshots;
using Xunit;

namespace KinesisGrains.KeyedState.Tests.Snapshots;

public sealed class SnapshotPruneTests(S3EmulatorFixture s3) : IClassFixture<S3EmulatorFixture>
{
    private const string Partition = "p-0011";

    [Fact]
    public async Task Prune_keeps_the_newest_snapshots_and_deletes_only_what_no_kept_manifest_names()
    {
        // No grace period: these objects are all old enough to go (the grace period has its own test, SnapshotFencingTests).
        var options = await s3.NewBucketAsync(o => (o.SnapshotsToRetain, o.PruneGracePeriod) = (2, TimeSpan.Zero));
        using var store = new S3SnapshotStore(options);
        using var db = new SnapshotDb(10_000);

        var first = (await store.UploadAsync(Partition, db.Checkpoint(), 1)).Manifest;
        var firstVersions = db.Versions.ToArray();

        // Three more L0 files make four: RocksDB compacts them into L1, so snapshot 1's SST leaves the DB.
        for (var round = 2; round <= 4; round++)
        {
            db.SetVersion(Enumerable.Range(round * 100, 100), round);
            db.Db.Flush();
        }

        await WaitForCompactionAsync(db.Db);
        var second = (await store.UploadAsync(Partition, db.Checkpoint(), 2)).Manifest;
        var secondVersions = db.Versions.ToArray();
        db.SetVersion(Enumerable.Range(0, 50), 5);
        var third = (await store.UploadAsync(Partition, db.Checkpoint(), 3)).Manifest;

        // A leftover of an upload that never got its manifest.
        var orphan = $"snapshots/{Partition}/shared/000999-0123456789abcdef.sst";
        await s3.PutBytesAsync(options.Bucket, orphan, [1, 2, 3]);

        // Another partition's objects are never touched.
        var neighbour = (await store.UploadAsync("p-0012", db.Checkpoint(), 1)).Manifest;

        var onlyFirst = first.Files.Select(f => f.ObjectKey)
            .Except(second.Files.Select(f => f.ObjectKey)).Except(third.Files.Select(f => f.ObjectKey)).ToList();
        Assert.Contains(onlyFirst, key => key.Contains("/shared/", StringComparison.Ordinal)); // the compaction did happen
        var keptFiles = second.Files.Concat(third.Files).Select(f => f.ObjectKey).Distinct().ToList();
        Assert.Contains(keptFiles, key => second.Files.Any(f => f.ObjectKey == key) && third.Files.Any(f => f.ObjectKey == key));

        var result = await store.PruneAsync(Partition);

        Assert.Equal([1L], result.DeletedSnapshotIds);
        Assert.Equal([2L, 3L], result.RetainedSnapshotIds);
        Assert.Equal(onlyFirst.Count + 2, result.ObjectsDeleted); // + manifest 1 + orphan
        Assert.Equal([2L, 3L], await store.ListSnapshotIdsAsync(Partition));
        Assert.Null(await store.GetManifestAsync(Partition, 1));
        foreach (var key in onlyFirst.Append(orphan))
        {
            Assert.False(await s3.ExistsAsync(options.Bucket, key), key);
        }

        var remaining = await s3.KeysAsync(options.Bucket, $"snapshots/{Partition}/");
        Assert.Equal(
            keptFiles.Append($"snapshots/{Partition}/manifests/{2:D20}.json").Append($"snapshots/{Partition}/manifests/{3:D20}.json").Order(StringComparer.Ordinal),
            remaining);
        Assert.Equal(neighbour.Files.Count + 1, (await s3.KeysAsync(options.Bucket, "snapshots/p-0012/")).Count);

        var again = await store.PruneAsync(Partition);
        Assert.Equal(0, again.ObjectsDeleted);

        var restoredSecond = db.NewFolder("second");
        await store.RestoreAsync((await store.GetManifestAsync(Partition, 2))!, restoredSecond);
        SnapshotDb.AssertHolds(restoredSecond, secondVersions);
        var restoredThird = db.NewFolder("third");
        Assert.Equal(3, (await store.RestoreLatestAsync(Partition, restoredThird))?.Manifest.SnapshotId);
        SnapshotDb.AssertHolds(restoredThird, db.Versions);
        Assert.NotEqual(firstVersions, secondVersions);
    }

    [Fact]
    public async Task Prune_with_fewer_snapshots_than_retained_deletes_only_leftovers()
    {
        var options = await s3.NewBucketAsync(o => o.PruneGracePeriod = TimeSpan.Zero);
        using var store = new S3SnapshotStore(options);
        using var db = new SnapshotDb(1_000);
        var manifest = (await store.UploadAsync(Partition, db.Checkpoint(), 1)).Manifest;
        var leftover = $"snapshots/{Partition}/private/{2:D20}/CURRENT";
        await s3.PutBytesAsync(options.Bucket, leftover, "MANIFEST-000001\n"u8.ToArray());

        var result = await store.PruneAsync(Partition);

        Assert.Empty(result.DeletedSnapshotIds);
        Assert.Equal(1, result.ObjectsDeleted);
        Assert.False(await s3.ExistsAsync(options.Bucket, leftover));
        foreach (var file in manifest.Files)
        {
            Assert.True(await s3.ExistsAsync(options.Bucket, file.ObjectKey), file.ObjectKey);
        }
    }

    private static async Task WaitForCompactionAsync(RocksDatabase db)
    {
        var deadline = Stopwatch.StartNew();
        while (db.GetProperty("rocksdb.num-files-at-level0") != "0")
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "RocksDB did not compact L0 within 30 s");
            await Task.Delay(50);
        }
    }
}
