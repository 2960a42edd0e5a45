using System.Diagnostics.Metrics;
using System.Text;
using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KinesisGrains.KeyedState.Tests.Snapshots;

/// <summary>
/// One writer per partition, fenced by the DynamoDB pointer row (dynalite), snapshots in s3rver; each "silo" is its
/// own <see cref="PartitionStateStores"/> with its own fence client and state folder, as separate processes would be.
/// </summary>
public sealed class SnapshotFencingTests(FencingEmulatorFixture emulators) : IClassFixture<FencingEmulatorFixture>
{
    private const string State = "counts";
    private const string Partition = "counts.p-00000";

    [Fact]
    public async Task A_zombie_activation_cannot_commit_or_prune_after_a_new_activation_opened_the_partition()
    {
        var options = await emulators.NewBucketAsync(o => o.PruneGracePeriod = TimeSpan.Zero);
        var table = emulators.NewTableName();
        using var folder = new TempDirectory("fencing");
        using var siloA = Silo(folder, "a", options, table);
        using var siloB = Silo(folder, "b", options, table);

        var zombie = await siloA.OpenAsync(State, 0, CancellationToken.None);
        Put(zombie, "k", "from-a-1");
        Assert.Equal(1, (await siloA.PersistAsync(zombie, Covered(1), CancellationToken.None))!.Manifest.SnapshotId);

        // The old activation took a checkpoint at its last barrier, and Orleans stopped waiting for it.
        Put(zombie, "k", "from-a-2");
        var late = siloA.PrepareSnapshot(zombie);

        var owner = await siloB.OpenAsync(State, 0, CancellationToken.None);
        Assert.Equal("from-a-1", Get(owner, "k"));

        var commit = await Assert.ThrowsAsync<SnapshotFencedException>(() => siloA.UploadAsync(late, Covered(2), CancellationToken.None));
        Assert.Equal(Partition, commit.PartitionId);
        Assert.True(zombie.IsFenced);
        Assert.False(Directory.Exists(late.CheckpointDirectory)); // the checkpoint folder is cleaned up either way
        await Assert.ThrowsAsync<SnapshotFencedException>(() => zombie.Writer!.PruneAsync());
        await Assert.ThrowsAsync<SnapshotFencedException>(() => siloA.PersistAsync(zombie, Covered(3), CancellationToken.None));

        Put(owner, "k", "from-b");
        var committed = await siloB.PersistAsync(owner, Covered(4), CancellationToken.None);
        Assert.Equal(2, committed!.Manifest.SnapshotId); // the zombie never got an id: it was refused first
        zombie.Dispose();
        owner.Dispose();

        using var siloC = Silo(folder, "c", options, table);
        using var next = await siloC.OpenAsync(State, 0, CancellationToken.None);
        Assert.Equal("from-b", Get(next, "k"));
        Assert.Equal(2, next.Restored!.SnapshotId);
        Assert.False(next.Restored.IsFallback);
    }

    [Fact]
    public async Task A_new_activation_in_the_same_process_closes_the_store_a_deactivation_still_holds_and_fences_it()
    {
        var options = await emulators.NewBucketAsync();
        var table = emulators.NewTableName();
        using var folder = new TempDirectory("fencing");
        using var silo = Silo(folder, "a", options, table);

        var old = await silo.OpenAsync(State, 0, CancellationToken.None);
        Put(old, "k", "committed");
        await silo.PersistAsync(old, Covered(1), CancellationToken.None);

        // Its deactivation prepared a hand-over snapshot and waits for S3; Orleans stopped waiting and activates it here again.
        Put(old, "k", "not-committed");
        var handOver = silo.PrepareSnapshot(old);
        using var next = await silo.OpenAsync(State, 0, CancellationToken.None);

        Assert.Equal("committed", Get(next, "k"));
        Assert.Throws<ObjectDisposedException>(() => Get(old, "k"));
        await Assert.ThrowsAsync<SnapshotFencedException>(() => silo.UploadAsync(handOver, Covered(2), CancellationToken.None));
        Assert.Same(next, Assert.Single(silo.OpenStores));
        old.Dispose(); // the old activation's own close afterwards changes nothing
        Assert.Same(next, Assert.Single(silo.OpenStores));
        Put(next, "k", "next");
        Assert.Equal(2, (await silo.PersistAsync(next, Covered(3), CancellationToken.None))!.Manifest.SnapshotId);
    }

    [Fact]
    public async Task A_zombie_whose_upload_finished_before_the_hand_off_cannot_commit_and_its_files_are_pruned_later()
    {
        var options = await emulators.NewBucketAsync(o => o.PruneGracePeriod = TimeSpan.Zero);
        var table = emulators.NewTableName();
        using var s3 = new S3SnapshotStore(options);
        using var db = new SnapshotDb(1_000);
        var paused = new PausingFence(emulators.NewFence(table));
        var zombie = await FencedSnapshotWriter.AcquireAsync(s3, paused, Partition);
        await zombie.CommitAsync(db.Checkpoint(), new Dictionary<string, string> { ["covered:s"] = "1" });
        var zombieVersions = db.Versions.ToArray();

        // The zombie uploads its next snapshot and stalls right before the commit.
        db.SetVersion(Enumerable.Range(0, 10), 2);
        paused.PauseNextCommit();
        var stalled = zombie.CommitAsync(db.Checkpoint(), new Dictionary<string, string> { ["covered:s"] = "2" });
        await paused.CommitReached;

        var owner = await FencedSnapshotWriter.AcquireAsync(s3, emulators.NewFence(table), Partition);
        var restored = db.NewFolder("owner");
        Assert.Equal(1, (await owner.RestoreAsync(restored))!.Manifest.SnapshotId);
        SnapshotDb.AssertHolds(restored, zombieVersions);

        paused.Resume();
        var refused = await Assert.ThrowsAsync<SnapshotFencedException>(() => stalled);
        Assert.Contains("writer is now", refused.Message);
        Assert.True(zombie.IsFenced);

        // Its manifest (id 2) exists in S3 but was never committed; the owner's next snapshot gets id 3 and prunes it.
        var orphanManifest = $"snapshots/{Partition}/manifests/{2:D20}.json";
        Assert.True(await emulators.ExistsAsync(options.Bucket, orphanManifest));
        var ownerCommit = await owner.CommitAsync(SnapshotDb_Checkpoint(restored, db), null);
        Assert.Equal(3, ownerCommit.Manifest.SnapshotId);
        await owner.Pruning;
        Assert.False(await emulators.ExistsAsync(options.Bucket, orphanManifest));

        var again = await FencedSnapshotWriter.AcquireAsync(s3, emulators.NewFence(table), Partition);
        var final = db.NewFolder("final");
        Assert.Equal(3, (await again.RestoreAsync(final))!.Manifest.SnapshotId);
        SnapshotDb.AssertHolds(final, zombieVersions);
    }

    [Fact]
    public async Task Two_writers_racing_never_share_a_snapshot_id_and_never_lose_a_committed_snapshot()
    {
        var options = await emulators.NewBucketAsync(o => (o.PruneGracePeriod, o.SnapshotsToRetain) = (TimeSpan.Zero, 2));
        var table = emulators.NewTableName();
        using var s3 = new S3SnapshotStore(options);
        using var db = new SnapshotDb(500);
        var uploadedIds = new List<long>();
        var committed = new List<(long Id, int[] Versions)>();
        var writers = new[]
        {
            await FencedSnapshotWriter.AcquireAsync(s3, emulators.NewFence(table), Partition),
            await FencedSnapshotWriter.AcquireAsync(s3, emulators.NewFence(table), Partition),
        };

        for (var round = 0; round < 6; round++)
        {
            db.SetVersion(Enumerable.Range(round * 10, 10), round + 2);
            var versions = db.Versions.ToArray();
            var checkpoints = new[] { db.Checkpoint(), db.Checkpoint() };
            var attempts = await Task.WhenAll(writers.Select(async (writer, index) =>
            {
                try
                {
                    return (Result: await writer.CommitAsync(checkpoints[index], null), Fenced: false);
                }
                catch (SnapshotFencedException)
                {
                    return (Result: (SnapshotUploadResult?)null, Fenced: true);
                }
            }));

            // Only the current writer commits; the fenced one takes the partition back for the next round.
            Assert.Single(attempts, a => a.Result is not null);
            foreach (var (result, _) in attempts.Where(a => a.Result is not null))
            {
                uploadedIds.Add(result!.Manifest.SnapshotId);
                committed.Add((result.Manifest.SnapshotId, versions));
            }

            var loser = Array.FindIndex(attempts, a => a.Fenced);
            writers[loser] = await FencedSnapshotWriter.AcquireAsync(s3, emulators.NewFence(table), Partition);
            Assert.Equal(committed[^1].Id, writers[loser].LatestSnapshotId);
        }

        Assert.Equal(uploadedIds.Count, uploadedIds.Distinct().Count());
        var pointer = await emulators.NewFence(table).ReadAsync(Partition, CancellationToken.None);
        Assert.Equal(committed[^1].Id, pointer!.LatestSnapshotId);
        foreach (var id in pointer.RetainedSnapshotIds)
        {
            var folder = db.NewFolder($"retained-{id}");
            await s3.RestoreAsync((await s3.GetManifestAsync(Partition, id))!, folder);
            SnapshotDb.AssertHolds(folder, committed.Single(c => c.Id == id).Versions);
        }
    }

    [Fact]
    public async Task Prune_never_deletes_an_unreferenced_file_younger_than_the_grace_period()
    {
        var options = await emulators.NewBucketAsync(); // the default grace period: 10 minutes
        var table = emulators.NewTableName();
        using var s3 = new S3SnapshotStore(options);
        using var db = new SnapshotDb(1_000);
        var writer = await FencedSnapshotWriter.AcquireAsync(s3, emulators.NewFence(table), Partition);
        await writer.CommitAsync(db.Checkpoint(), null);

        // What another writer just uploaded for a manifest it has not committed yet.
        var young = $"snapshots/{Partition}/shared/000777-0123456789abcdef.sst";
        var youngManifest = $"snapshots/{Partition}/manifests/{99:D20}.json";
        await emulators.PutBytesAsync(options.Bucket, young, [1, 2, 3]);
        await emulators.PutBytesAsync(options.Bucket, youngManifest, "{}"u8.ToArray());

        var pruned = await writer.PruneAsync();
        Assert.Equal(0, pruned.ObjectsDeleted);
        Assert.Equal(2, pruned.ObjectsKeptYoung);
        Assert.True(await emulators.ExistsAsync(options.Bucket, young));
        Assert.True(await emulators.ExistsAsync(options.Bucket, youngManifest));

        // The same objects, once older than the grace period (zero here), go.
        options.PruneGracePeriod = TimeSpan.Zero;
        using var noGrace = new S3SnapshotStore(options);
        var later = await FencedSnapshotWriter.AcquireAsync(noGrace, emulators.NewFence(table), Partition);
        var prunedLater = await later.PruneAsync();
        Assert.Equal(2, prunedLater.ObjectsDeleted);
        Assert.False(await emulators.ExistsAsync(options.Bucket, young));
        Assert.Equal([99L], prunedLater.DeletedSnapshotIds);
    }

    [Fact]
    public async Task Commits_delete_the_snapshots_that_leave_the_retained_list_by_id_and_list_the_partition_only_once_per_grace_period()
    {
        var options = await emulators.NewBucketAsync(o => o.SnapshotsToRetain = 2); // the default grace period: 10 minutes
        var table = emulators.NewTableName();
        using var client = new RecordingS3Client(options);
        using var s3 = new S3SnapshotStore(options, client);
        using var db = new SnapshotDb(2_000);
        var writer = await FencedSnapshotWriter.AcquireAsync(s3, emulators.NewFence(table), Partition);
        var listedToAcquire = client.Calls(nameof(client.ListObjectsV2Async)); // a new pointer: it looks for snapshots older than fencing

        // A leftover of an earlier writer: young, so the first commit's listing keeps it, and later commits do not list.
        var leftover = $"snapshots/{Partition}/shared/000777-0123456789abcdef.sst";
        await emulators.PutBytesAsync(options.Bucket, leftover, [1, 2, 3]);

        var manifests = new List<SnapshotManifest>();
        var versions = new List<int[]>();
        for (var round = 1; round <= 5; round++)
        {
            db.SetVersion(Enumerable.Range(round * 100, 300), round);
            db.Db.Flush();
            manifests.Add((await writer.CommitAsync(db.Checkpoint(), null)).Manifest);
            versions.Add(db.Versions.ToArray());
        }

        await writer.Pruning;

        Assert.Equal(listedToAcquire + 1, client.Calls(nameof(client.ListObjectsV2Async)));
        Assert.Equal([4L, 5L], writer.RetainedSnapshotIds);
        var keys = await emulators.KeysAsync(options.Bucket, $"snapshots/{Partition}/");
        var kept = manifests[3].Files.Concat(manifests[4].Files).Select(f => f.ObjectKey)
            .Append($"snapshots/{Partition}/manifests/{4:D20}.json").Append($"snapshots/{Partition}/manifests/{5:D20}.json").Append(leftover)
            .Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(kept, keys);
        Assert.Contains(manifests[0].Files, f => !keys.Contains(f.ObjectKey) && f.ObjectKey.Contains("/private/", StringComparison.Ordinal));

        foreach (var index in new[] { 3, 4 })
        {
            var folder = db.NewFolder($"retained-{index + 1}");
            await s3.RestoreAsync((await s3.GetManifestAsync(Partition, index + 1))!, folder);
            SnapshotDb.AssertHolds(folder, versions[index]);
        }
    }

    [Fact]
    public async Task A_restore_with_the_newest_manifest_corrupt_restores_the_older_one_and_reports_the_fallback()
    {
        var options = await emulators.NewBucketAsync();
        var table = emulators.NewTableName();
        using var folder = new TempDirectory("fencing");
        long fallbacks = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "kgrains.state.snapshot_fallbacks")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref fallbacks, value));
        listener.Start();

        using (var silo = Silo(folder, "a", options, table))
        {
            using var store = await silo.OpenAsync(State, 0, CancellationToken.None);
            Put(store, "k", "one");
            await silo.PersistAsync(store, Covered(10), CancellationToken.None);
            Put(store, "k", "two");
            await silo.PersistAsync(store, Covered(20), CancellationToken.None);
        }

        await emulators.PutBytesAsync(options.Bucket, $"snapshots/{Partition}/manifests/{2:D20}.json", "{\"formatVersion\":1,"u8.ToArray());

        using var other = Silo(folder, "b", options, table);
        using var reopened = await other.OpenAsync(State, 0, CancellationToken.None);
        var restore = reopened.Restored!;
        Assert.True(restore.IsFallback);
        Assert.Equal(1, restore.SnapshotId);
        Assert.Equal(2, restore.NewestSnapshotId);
        var skipped = Assert.Single(restore.Skipped);
        Assert.Equal(2, skipped.SnapshotId);
        Assert.Contains("unusable", skipped.Reason);
        Assert.Equal("10/0", restore.Metadata["covered:shard-1"]); // the older snapshot's coverage, not the newest's
        Assert.Equal("one", Get(reopened, "k"));
        Assert.True(Interlocked.Read(ref fallbacks) >= 1);
    }

    [Fact]
    public async Task The_split_persist_uploads_the_state_as_of_the_checkpoint_off_the_turn_and_drops_an_older_one()
    {
        var options = await emulators.NewBucketAsync();
        var table = emulators.NewTableName();
        using var folder = new TempDirectory("fencing");
        using (var silo = Silo(folder, "a", options, table))
        {
            using var store = await silo.OpenAsync(State, 0, CancellationToken.None);
            Put(store, "k", "at-first-barrier");
            var first = silo.PrepareSnapshot(store);
            Put(store, "k", "at-second-barrier");
            var second = silo.PrepareSnapshot(store);
            Put(store, "k", "after-the-barriers");

            // The second finishes first (a thread-pool upload); the first, older, must then not be committed over it.
            var uploaded = await Task.Run(() => silo.UploadAsync(second, Covered(2), CancellationToken.None));
            Assert.Equal(1, uploaded!.Manifest.SnapshotId);
            Assert.Null(await silo.UploadAsync(first, Covered(1), CancellationToken.None));
            Assert.False(Directory.Exists(first.CheckpointDirectory));
            Assert.False(Directory.Exists(second.CheckpointDirectory));
            Assert.Equal(1, store.LastSnapshotId);
        }

        using var other = Silo(folder, "b", options, table);
        using var reopened = await other.OpenAsync(State, 0, CancellationToken.None);
        Assert.Equal("at-second-barrier", Get(reopened, "k"));
        Assert.Equal("2/0", reopened.Restored!.Metadata["covered:shard-1"]);
    }

    private PartitionStateStores Silo(TempDirectory folder, string name, S3SnapshotOptions options, string table) => new(
        new PartitionStoreOptions(),
        Path.Combine(folder.Path, name),
        new S3SnapshotStore(options),
        NullLogger<PartitionStateStores>.Instance,
        emulators.NewFence(table));

    private static Dictionary<string, string> Covered(long sequence) => new() { ["covered:shard-1"] = $"{sequence}/0" };

    private static void Put(PartitionStore store, string key, string value)
    {
        using var batch = store.Store.CreateBatch();
        batch.Put(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));
        store.Store.Write(batch);
    }

    private static string? Get(PartitionStore store, string key) =>
        store.Store.Get(Encoding.UTF8.GetBytes(key)) is { } value ? Encoding.UTF8.GetString(value) : null;

    // A checkpoint of the restored folder: the owner's state is the restored snapshot.
    private static string SnapshotDb_Checkpoint(string restoredFolder, SnapshotDb db)
    {
        using var restored = RocksDatabase.Open(restoredFolder, new RocksDbOptions { CreateIfMissing = false });
        var checkpoint = db.NewFolder("owner-checkpoint");
        restored.CreateCheckpoint(checkpoint);
        return checkpoint;
    }

    /// <summary>A fence that can hold a commit until the test lets it go: a writer stalled between upload and commit.</summary>
    private sealed class PausingFence(ISnapshotFence inner) : ISnapshotFence
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _resume = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _pause;

        public Task CommitReached => _reached.Task;

        public void PauseNextCommit() => _pause = true;

        public void Resume() => _resume.TrySetResult();

        public Task<SnapshotPointer> AcquireAsync(string partitionId, CancellationToken cancellationToken) => inner.AcquireAsync(partitionId, cancellationToken);

        public Task<SnapshotPointer?> ReadAsync(string partitionId, CancellationToken cancellationToken) => inner.ReadAsync(partitionId, cancellationToken);

        public Task<long> ReserveIdAsync(string partitionId, long writerToken, long minimumId, CancellationToken cancellationToken) =>
            inner.ReserveIdAsync(partitionId, writerToken, minimumId, cancellationToken);

        public async Task<SnapshotPointer> CommitAsync(
            string partitionId, long writerToken, long expectedLatest, long snapshotId, IReadOnlyList<long> retained, CancellationToken cancellationToken)
        {
            if (_pause)
            {
                _pause = false;
                _reached.TrySetResult();
                await _resume.Task;
            }

            return await inner.CommitAsync(partitionId, writerToken, expectedLatest, snapshotId, retained, cancellationToken);
        }
    }
}
