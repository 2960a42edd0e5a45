using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.Testing;
using Xunit.Abstractions;
using Xunit;

namespace KinesisGrains.KeyedState.Tests.Snapshots;

public sealed class SnapshotRoundTripTests(S3EmulatorFixture s3, ITestOutputHelper output) : IClassFixture<S3EmulatorFixture>
{
    private const string Partition = "p-0007";

    [Fact]
    public async Task Uploaded_checkpoint_restores_into_a_db_with_every_key()
    {
        var options = await s3.NewBucketAsync();
        using var store = new S3SnapshotStore(options);
        using var db = new SnapshotDb(50_000);
        var checkpoint = db.Checkpoint();
        var metadata = new Dictionary<string, string> { ["shard-0001"] = "4960:0" };

        var upload = await store.UploadAsync(Partition, checkpoint, 1, metadata);

        var localFiles = Directory.GetFiles(checkpoint).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(localFiles, upload.Manifest.Files.Select(f => f.Name).Order(StringComparer.Ordinal).ToList());
        Assert.Equal(localFiles.Count, upload.FilesUploaded);
        Assert.Equal(0, upload.FilesReused);
        Assert.Equal(upload.Manifest.TotalBytes, upload.BytesUploaded);
        Assert.Equal([1L], await store.ListSnapshotIdsAsync(Partition));
        Assert.All(upload.Manifest.Files.Where(f => f.Name.EndsWith(".sst", StringComparison.Ordinal)),
            f => Assert.StartsWith($"snapshots/{Partition}/shared/{Path.GetFileNameWithoutExtension(f.Name)}-{f.Sha256[..16]}", f.ObjectKey));
        Assert.Contains($"snapshots/{Partition}/manifests/00000000000000000001.json", await s3.KeysAsync(options.Bucket));

        var manifest = await store.GetManifestAsync(Partition, 1);
        Assert.NotNull(manifest);
        Assert.Equal("4960:0", manifest.Metadata["shard-0001"]);
        Assert.Equal(upload.Manifest.Files.Select(f => (f.Name, f.ObjectKey, f.Size, f.Sha256)), manifest.Files.Select(f => (f.Name, f.ObjectKey, f.Size, f.Sha256)));

        var target = db.NewFolder("restored");
        var restore = await store.RestoreAsync(manifest, target);

        Assert.Equal(manifest.Files.Count, restore.FilesDownloaded);
        Assert.Equal(manifest.TotalBytes, restore.BytesDownloaded);
        foreach (var file in manifest.Files)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(checkpoint, file.Name)), File.ReadAllBytes(Path.Combine(target, file.Name)));
        }

        SnapshotDb.AssertHolds(target, db.Versions);
        output.WriteLine($"upload {Rate(upload.BytesUploaded, upload.Elapsed)}, restore {Rate(restore.BytesDownloaded, restore.Elapsed)}");
    }

    [Fact]
    public async Task Second_snapshot_uploads_only_the_new_sst_files_and_restores_the_changes()
    {
        var options = await s3.NewBucketAsync();
        using var store = new S3SnapshotStore(options);
        using var db = new SnapshotDb(50_000);
        var first = await store.UploadAsync(Partition, db.Checkpoint(), 1);

        db.SetVersion(Enumerable.Range(0, db.Keys).Where(i => i % 100 == 7), 2); // 1% of the keys
        var second = await store.UploadAsync(Partition, db.Checkpoint(), 2);

        output.WriteLine($"first {first.BytesUploaded} bytes in {first.FilesUploaded} files; second {second.BytesUploaded} bytes in {second.FilesUploaded} files, {second.FilesReused} reused");
        Assert.True(second.BytesUploaded < first.BytesUploaded / 5, $"second upload sent {second.BytesUploaded} bytes, the first {first.BytesUploaded}");
        Assert.True(second.FilesReused > 0);
        var firstShared = first.Manifest.Files.Where(f => f.Name.EndsWith(".sst", StringComparison.Ordinal)).Select(f => f.ObjectKey).ToHashSet();
        Assert.Equal(
            second.Manifest.Files.Count(f => firstShared.Contains(f.ObjectKey)),
            second.FilesReused);

        var target = db.NewFolder("restored");
        await store.RestoreAsync(second.Manifest, target);
        SnapshotDb.AssertHolds(target, db.Versions);
        Assert.Contains(db.Versions, v => v == 2);
    }

    [Fact]
    public async Task Reused_shared_file_is_uploaded_again_when_it_vanished_from_s3()
    {
        var options = await s3.NewBucketAsync();
        using var db = new SnapshotDb(5_000);
        var checkpoint = db.Checkpoint();
        using (var store = new S3SnapshotStore(options))
        {
            await store.UploadAsync(Partition, checkpoint, 1);
        }

        var sst = (await s3.KeysAsync(options.Bucket, $"snapshots/{Partition}/shared/")).First();
        await s3.Client.DeleteObjectAsync(options.Bucket, sst);

        // A new store (a restarted silo) knows nothing and asks S3 per SST file.
        using var restarted = new S3SnapshotStore(options);
        var second = await restarted.UploadAsync(Partition, checkpoint, 2);

        Assert.True(await s3.ExistsAsync(options.Bucket, sst));
        Assert.Equal(second.Manifest.Files.Count(f => f.Name.EndsWith(".sst", StringComparison.Ordinal)) - 1, second.FilesReused);
        var target = db.NewFolder("restored");
        await restarted.RestoreAsync(second.Manifest, target);
        SnapshotDb.AssertHolds(target, db.Versions);
    }

    [Fact]
    public async Task File_above_the_threshold_goes_up_in_parts_and_comes_back_byte_identical()
    {
        var options = await s3.NewBucketAsync(o =>
        {
            o.MultipartThresholdBytes = 5 * S3SnapshotOptions.MiB;
            o.PartSizeBytes = 5 * S3SnapshotOptions.MiB;
        });
        using var client = new RecordingS3Client(options);
        using var store = new S3SnapshotStore(options, client);
        using var db = new SnapshotDb(10);

        // ~12 MiB of random values: incompressible, so one SST file of about that size.
        var random = new Random(42);
        using (var batch = new RocksDbWriteBatch())
        {
            for (var i = 0; i < 3_000; i++)
            {
                var value = new byte[4096];
                random.NextBytes(value);
                batch.Put(System.Text.Encoding.UTF8.GetBytes($"big-{i:D5}"), value);
            }

            db.Db.Write(batch);
        }

        var checkpoint = db.Checkpoint();
        var big = new FileInfo(Directory.GetFiles(checkpoint, "*.sst").MaxBy(f => new FileInfo(f).Length)!);
        Assert.True(big.Length > 10 * S3SnapshotOptions.MiB, $"the SST file has {big.Length} bytes");

        var upload = await store.UploadAsync(Partition, checkpoint, 1);

        var key = upload.Manifest.Files.Single(f => f.Name == big.Name).ObjectKey;
        Assert.Equal(3, client.Calls(nameof(client.UploadPartAsync), key));
        Assert.Equal(0, client.Calls(nameof(client.PutObjectAsync), key));
        Assert.Equal(File.ReadAllBytes(big.FullName), await s3.GetBytesAsync(options.Bucket, key));

        var target = db.NewFolder("restored");
        var restore = await store.RestoreAsync(upload.Manifest, target);

        Assert.Equal(3, client.Calls(nameof(client.GetObjectAsync), key)); // one ranged GET per part
        Assert.Equal(File.ReadAllBytes(big.FullName), File.ReadAllBytes(Path.Combine(target, big.Name)));
        SnapshotDb.AssertHolds(target, db.Versions);
        using var restored = RocksDatabase.Open(target, new RocksDbOptions { CreateIfMissing = false });
        Assert.Equal(db.Db.Get("big-02999"u8), restored.Get("big-02999"u8));
        output.WriteLine($"{big.Length} bytes: upload {Rate(upload.BytesUploaded, upload.Elapsed)}, restore {Rate(restore.BytesDownloaded, restore.Elapsed)}");
    }

    [Fact]
    public async Task Restore_skips_files_already_present_with_the_right_hash()
    {
        var options = await s3.NewBucketAsync();
        using var store = new S3SnapshotStore(options);
        using var db = new SnapshotDb(20_000);
        var firstCheckpoint = db.Checkpoint();
        var first = (await store.UploadAsync(Partition, firstCheckpoint, 1)).Manifest;
        db.SetVersion(Enumerable.Range(0, 200), 2);
        var secondCheckpoint = db.Checkpoint();
        var second = (await store.UploadAsync(Partition, secondCheckpoint, 2)).Manifest;
        var target = db.NewFolder("restored");

        var fresh = await store.RestoreAsync(first, target);
        var again = await store.RestoreAsync(first, target);

        Assert.Equal(first.Files.Count, fresh.FilesDownloaded);
        Assert.Equal((0, 0L, first.Files.Count), (again.FilesDownloaded, again.BytesDownloaded, again.FilesReused));

        // Moving the folder forward to snapshot 2 fetches only what differs, and removes what snapshot 2 lacks.
        var stale = Path.Combine(target, "999999.log");
        File.WriteAllText(stale, "a WAL from some other DB");
        var forward = await store.RestoreAsync(second, target);

        var unchanged = second.Files.Where(f => first.Files.Any(o => o.Name == f.Name && o.Sha256 == f.Sha256)).ToList();
        Assert.NotEmpty(unchanged);
        Assert.Equal(unchanged.Count, forward.FilesReused);
        Assert.Equal(second.TotalBytes - unchanged.Sum(f => f.Size), forward.BytesDownloaded);
        Assert.False(File.Exists(stale));
        Assert.Equal(second.Files.Select(f => f.Name).Order(StringComparer.Ordinal), Directory.GetFiles(target).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));
        SnapshotDb.AssertHolds(target, db.Versions);

        // Opening the DB rewrote its MANIFEST and OPTIONS and added LOCK and LOG; going back to snapshot 1 still works.
        var back = await store.RestoreAsync(first, target);
        Assert.True(back.FilesDownloaded > 0);
        SnapshotDb.AssertHolds(target, [.. db.Versions.Select(v => 1)]);
    }

    [Fact]
    public async Task Restore_copies_matching_files_from_the_cache_folder_and_downloads_a_tampered_one()
    {
        var options = await s3.NewBucketAsync();
        using var store = new S3SnapshotStore(options);
        using var db = new SnapshotDb(20_000);
        var checkpoint = db.Checkpoint();
        var manifest = (await store.UploadAsync(Partition, checkpoint, 1)).Manifest;
        using var cache = new TempDirectory("snapshot-cache");
        foreach (var file in Directory.GetFiles(checkpoint))
        {
            File.Copy(file, Path.Combine(cache.Path, Path.GetFileName(file)));
        }

        // Same size, one byte different: only the hash can tell.
        var tampered = manifest.Files.Where(f => f.Name.EndsWith(".sst", StringComparison.Ordinal)).MaxBy(f => f.Size)!;
        var bytes = File.ReadAllBytes(Path.Combine(cache.Path, tampered.Name));
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(cache.Path, tampered.Name), bytes);

        var target = db.NewFolder("restored");
        var restore = await store.RestoreAsync(manifest, target, cache.Path);

        Assert.Equal(1, restore.FilesDownloaded);
        Assert.Equal(tampered.Size, restore.BytesDownloaded);
        Assert.Equal(manifest.Files.Count - 1, restore.FilesReused);
        SnapshotDb.AssertHolds(target, db.Versions);
    }

    [Fact]
    public async Task Snapshot_id_cannot_be_reused_and_the_folder_must_be_a_checkpoint()
    {
        var options = await s3.NewBucketAsync();
        using var store = new S3SnapshotStore(options);
        using var db = new SnapshotDb(100);
        var checkpoint = db.Checkpoint();
        await store.UploadAsync(Partition, checkpoint, 5);

        var reused = await Assert.ThrowsAsync<InvalidOperationException>(() => store.UploadAsync(Partition, checkpoint, 5));
        Assert.Contains("already exists", reused.Message);

        using var empty = new TempDirectory();
        var notCheckpoint = await Assert.ThrowsAsync<InvalidOperationException>(() => store.UploadAsync(Partition, empty.Path, 6));
        Assert.Contains("CURRENT", notCheckpoint.Message);

        await Assert.ThrowsAsync<ArgumentException>(() => store.UploadAsync("../other", checkpoint, 7));
        Assert.Equal([5L], await store.ListSnapshotIdsAsync(Partition));
        Assert.Null(await store.GetManifestAsync(Partition, 6));
        Assert.Null(await store.RestoreLatestAsync("p-empty", db.NewFolder("nothing")));
    }

    private static string Rate(long bytes, TimeSpan elapsed) =>
        $"{bytes / 1024.0 / 1024.0:0.0} MiB in {elapsed.TotalMilliseconds:0} ms ({bytes / 1024.0 / 1024.0 / Math.Max(elapsed.TotalSeconds, 1e-3):0} MiB/s)";
}
