using KinesisGrains.KeyedState.Snapshots;
using Xunit;

namespace KinesisGrains.KeyedState.Tests.Snapshots;

public sealed class SnapshotCorruptionTests(S3EmulatorFixture s3) : IClassFixture<S3EmulatorFixture>
{
    private const string Partition = "p-0003";

    [Fact]
    public async Task Overwritten_shared_object_fails_its_restore_naming_the_file_and_latest_falls_back_to_the_previous_snapshot()
    {
        var (options, store, db, first, second) = await TwoSnapshotsAsync();
        using var _ = store;
        using var __ = db;

        // An SST only the newest snapshot has, replaced by other bytes of the same size: only the hash can tell.
        var firstKeys = first.Files.Select(f => f.ObjectKey).ToHashSet();
        var victim = second.Files.First(f => f.Name.EndsWith(".sst", StringComparison.Ordinal) && !firstKeys.Contains(f.ObjectKey));
        var bytes = await s3.GetBytesAsync(options.Bucket, victim.ObjectKey);
        bytes[bytes.Length / 3] ^= 0x5A;
        await s3.PutBytesAsync(options.Bucket, victim.ObjectKey, bytes);

        var target = db.NewFolder("restored");
        var error = await Assert.ThrowsAsync<SnapshotCorruptException>(() => store.RestoreAsync(second, target));

        Assert.Equal(victim.Name, error.FileName);
        Assert.Equal(victim.ObjectKey, error.ObjectKey);
        Assert.Equal(victim.Sha256, error.ExpectedSha256);
        Assert.NotNull(error.ActualSha256);
        Assert.NotEqual(victim.Sha256, error.ActualSha256);
        Assert.Contains(victim.Name, error.Message);
        Assert.Contains(victim.ObjectKey, error.Message);
        Assert.False(File.Exists(Path.Combine(target, victim.Name)));
        Assert.False(File.Exists(Path.Combine(target, "CURRENT")));

        var latest = await store.RestoreLatestAsync(Partition, target);

        Assert.NotNull(latest);
        Assert.Equal(1, latest.Manifest.SnapshotId);
        Assert.Equal("1", latest.Manifest.Metadata["snapshot"]);
        SnapshotDb.AssertHolds(target, [.. db.Versions.Select(v => 1)]);
    }

    [Fact]
    public async Task Missing_or_resized_private_file_of_the_newest_snapshot_falls_back()
    {
        var (options, store, db, first, second) = await TwoSnapshotsAsync();
        using var _ = store;
        using var __ = db;
        var manifestFile = second.Files.Single(f => f.Name.StartsWith("MANIFEST-", StringComparison.Ordinal));
        await s3.Client.DeleteObjectAsync(options.Bucket, manifestFile.ObjectKey);

        var missing = await Assert.ThrowsAsync<SnapshotCorruptException>(() => store.RestoreAsync(second, db.NewFolder("missing")));
        Assert.Equal(manifestFile.Name, missing.FileName);
        Assert.Null(missing.ActualSize);
        Assert.Contains("missing", missing.Message);

        var optionsFile = second.Files.Single(f => f.Name.StartsWith("OPTIONS-", StringComparison.Ordinal));
        await s3.PutBytesAsync(options.Bucket, optionsFile.ObjectKey, [1, 2, 3]);
        var resized = await Assert.ThrowsAsync<SnapshotCorruptException>(() =>
            store.RestoreAsync(new SnapshotManifest
            {
                PartitionId = second.PartitionId,
                SnapshotId = second.SnapshotId,
                CreatedAt = second.CreatedAt,
                Files = [.. second.Files.Where(f => f != manifestFile)],
            }, db.NewFolder("resized")));
        Assert.Equal(optionsFile.Name, resized.FileName);
        Assert.Equal((optionsFile.Size, 3L), (resized.ExpectedSize, resized.ActualSize));

        var target = db.NewFolder("restored");
        var latest = await store.RestoreLatestAsync(Partition, target);
        Assert.Equal(first.SnapshotId, latest?.Manifest.SnapshotId);
        SnapshotDb.AssertHolds(target, [.. db.Versions.Select(v => 1)]);
    }

    [Fact]
    public async Task Unreadable_manifest_is_reported_and_skipped_and_with_nothing_left_the_partition_starts_empty()
    {
        var (options, store, db, first, second) = await TwoSnapshotsAsync();
        using var _ = store;
        using var __ = db;
        var secondKey = $"snapshots/{Partition}/manifests/{second.SnapshotId:D20}.json";
        await s3.PutBytesAsync(options.Bucket, secondKey, "{\"formatVersion\":1,"u8.ToArray());

        var unreadable = await Assert.ThrowsAsync<SnapshotCorruptException>(() => store.GetManifestAsync(Partition, second.SnapshotId));
        Assert.Equal(secondKey, unreadable.ObjectKey);
        Assert.Null(unreadable.FileName);

        var target = db.NewFolder("restored");
        Assert.Equal(first.SnapshotId, (await store.RestoreLatestAsync(Partition, target))?.Manifest.SnapshotId);

        // Snapshot 1 now loses a shared file too: no snapshot is left, and the partition comes back empty (rule 4:
        // its ledger proves nothing, so its shards replay from their origin) rather than failing for ever.
        await s3.Client.DeleteObjectAsync(options.Bucket, first.Files.First(f => f.Name.EndsWith(".sst", StringComparison.Ordinal)).ObjectKey);
        Assert.Null(await store.RestoreLatestAsync(Partition, db.NewFolder("none")));
    }

    [Fact]
    public async Task Manifest_naming_a_path_outside_the_target_is_refused_before_anything_is_written()
    {
        var (_, store, db, _, second) = await TwoSnapshotsAsync();
        using var _s = store;
        using var _d = db;
        var evil = new SnapshotManifest
        {
            PartitionId = Partition,
            SnapshotId = 99,
            CreatedAt = DateTimeOffset.UtcNow,
            Files = [.. second.Files.Select((f, i) => i == 0 ? new SnapshotFile { Name = "../escaped", ObjectKey = f.ObjectKey, Size = f.Size, Sha256 = f.Sha256 } : f)],
        };
        var target = db.NewFolder("restored");

        var error = await Assert.ThrowsAsync<SnapshotCorruptException>(() => store.RestoreAsync(evil, target));

        Assert.Contains("../escaped", error.Message);
        Assert.False(Directory.Exists(target));
    }

    private async Task<(S3SnapshotOptions, S3SnapshotStore, SnapshotDb, SnapshotManifest, SnapshotManifest)> TwoSnapshotsAsync()
    {
        var options = await s3.NewBucketAsync();
        var store = new S3SnapshotStore(options);
        var db = new SnapshotDb(10_000);
        var first = await store.UploadAsync(Partition, db.Checkpoint(), 1, new Dictionary<string, string> { ["snapshot"] = "1" });
        db.SetVersion(Enumerable.Range(0, 100), 2);
        var second = await store.UploadAsync(Partition, db.Checkpoint(), 2, new Dictionary<string, string> { ["snapshot"] = "2" });
        return (options, store, db, first.Manifest, second.Manifest);
    }
}
