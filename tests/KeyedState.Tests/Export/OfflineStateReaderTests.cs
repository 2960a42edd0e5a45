using System.Buffers.Binary;
using System.Text;
using KinesisGrains.KeyedState.Export;
using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.KeyedState.Tests.Snapshots;
using KinesisGrains.KeyedState.Timers;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.KeyedState.Tests.Export;

/// <summary>
/// The offline reader on a real snapshot in s3rver, laid out as a partition writes it (states, touch times, timers,
/// metadata): it hands out exactly the states a query would see, by the grain's time-to-live rule, and nothing else.
/// </summary>
public sealed class OfflineStateReaderTests(S3EmulatorFixture s3) : IClassFixture<S3EmulatorFixture>
{
    private const string Partition = "user-activity.p-00003";
    private const long Watermark = 10_000;
    private static readonly StateTimeToLive s_ttl = new(TimeSpan.FromMilliseconds(6_000));

    // Key → when it was last touched (null: before the state had a TTL, so it never expires).
    private static readonly (string Key, long? Touched)[] s_keys =
    [
        ("user-1", 1_000),      // expires at 7 000 ≤ watermark: hidden
        ("user-10", 5_000),     // 11 000 > watermark: seen
        ("user-2", 4_000),      // exactly 10 000: hidden (expiry at or before the clock, as IsExpired)
        ("users", null),        // never touched: seen
        ("ü-key", 9_000),       // a non-ASCII key: seen
    ];

    [Fact]
    public async Task Event_time_TTL_hides_exactly_the_keys_a_query_would_hide_and_nothing_but_states_is_read()
    {
        var (reader, snapshotId) = await UploadAsync(SnapshotMetadata.Format(s_ttl));
        using (reader)
        {
            var read = new List<StateEntry>();
            var summary = await reader.ReadAsync(Partition, snapshotId, null, (entry, _) => { read.Add(entry); return ValueTask.CompletedTask; });

            Assert.Equal(["user-10", "users", "ü-key"], read.Select(e => e.Key).Order(StringComparer.Ordinal));
            Assert.All(read, e => Assert.Equal(ValueOf(e.Key), Encoding.UTF8.GetString(e.Value)));
            Assert.Equal((3L, 2L, Watermark, 42L), (summary.Keys, summary.ExpiredKeys, summary.Watermark!.Value, summary.Epoch!.Value));
            Assert.Equal("49:7", summary.Covered["shardId-000000000001"]);

            // A prefix filters: exactly the keys that start with it, expired ones still hidden.
            var prefixed = new List<string>();
            await reader.ReadAsync(Partition, snapshotId, "user-1", (entry, _) => { prefixed.Add(entry.Key); return ValueTask.CompletedTask; });
            Assert.Equal(["user-10"], prefixed);

            Assert.Equal(ValueOf("user-10"), Encoding.UTF8.GetString((await reader.GetAsync(Partition, snapshotId, "user-10")).Value!));
            Assert.Null((await reader.GetAsync(Partition, snapshotId, "user-1")).Value);
            Assert.Null((await reader.GetAsync(Partition, snapshotId, "nobody")).Value);
        }
    }

    [Fact]
    public async Task Processing_time_TTL_runs_on_the_clock_now_and_a_snapshot_without_TTL_shows_every_key()
    {
        // Processing time: touched times against now (12 000), not the watermark: user-1, user-10 and user-2 (touched at or before 6 000) go.
        var (reader, snapshotId) = await UploadAsync(SnapshotMetadata.Format(s_ttl with { Domain = TimeDomain.ProcessingTime }), new FixedTime(12_000));
        using (reader)
        {
            var keys = new List<string>();
            await reader.ReadAsync(Partition, snapshotId, null, (entry, _) => { keys.Add(entry.Key); return ValueTask.CompletedTask; });
            Assert.Equal(["users", "ü-key"], keys.Order(StringComparer.Ordinal));
        }

        var (plain, id) = await UploadAsync(ttl: null);
        using (plain)
        {
            var keys = new List<string>();
            var summary = await plain.ReadAsync(Partition, id, null, (entry, _) => { keys.Add(entry.Key); return ValueTask.CompletedTask; });
            Assert.Equal(s_keys.Select(k => k.Key).Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
            Assert.Equal(0, summary.ExpiredKeys);
        }
    }

    [Fact]
    public async Task A_snapshot_id_without_a_manifest_is_refused_and_downloads_leave_no_folder_behind()
    {
        using var work = new TempDirectory("offline-reader");
        var options = await s3.NewBucketAsync();
        var (uploaded, snapshotId) = await UploadAsync(null, options: options);
        uploaded.Dispose();
        using var reader = new OfflineStateReader(options, work.Path);

        var missing = await Assert.ThrowsAsync<StateSnapshotMissingException>(() => reader.GetAsync(Partition, snapshotId + 1, "users"));
        Assert.Equal(Partition, missing.PartitionId);
        Assert.Contains($"has no snapshot {snapshotId + 1}", missing.Message);

        await reader.ReadAsync(Partition, snapshotId, null, (_, _) => ValueTask.CompletedTask);
        Assert.Empty(Directory.Exists(work.Path) ? Directory.GetFileSystemEntries(work.Path) : []);
    }

    private static string ValueOf(string key) => $"{{\"key\":\"{key}\"}}";

    private async Task<(OfflineStateReader Reader, long SnapshotId)> UploadAsync(string? ttl, TimeProvider? time = null, S3SnapshotOptions? options = null)
    {
        options ??= await s3.NewBucketAsync();
        using var folder = new TempDirectory("offline-reader-db");
        using (var db = RocksDatabase.Open(Path.Combine(folder.Path, "db"), new RocksDbOptions()))
        {
            foreach (var (key, touched) in s_keys)
            {
                db.Put(StateKeys.State(key), Encoding.UTF8.GetBytes(ValueOf(key)));
                if (touched is { } at)
                {
                    db.Put(StateKeys.Touched(key), BigEndian(at));
                    db.Put(StateKeys.Timer((byte)TimeDomain.EventTime, at + 6_000, PartitionTimers.TimeToLivePurpose, key), []);
                }

                db.Put(StateKeys.ChangelogRow(42, key), [1]);
            }

            db.Put(StateKeys.PartitionWatermark, BigEndian(Watermark));
            db.Put(StateKeys.Epoch, BigEndian(42));
            db.Put(StateKeys.HighWaterMark("shardId-000000000001"), [7]);
            db.CreateCheckpoint(Path.Combine(folder.Path, "checkpoint"));
        }

        var metadata = new Dictionary<string, string>
        {
            [SnapshotMetadata.CoveredPrefix + "shardId-000000000001"] = "49:7",
            [SnapshotMetadata.Epoch] = "42",
        };
        if (ttl is not null)
        {
            metadata[SnapshotMetadata.TimeToLive] = ttl;
        }

        using var store = new S3SnapshotStore(options);
        const long snapshotId = 5;
        await store.UploadAsync(Partition, Path.Combine(folder.Path, "checkpoint"), snapshotId, metadata);
        return (new OfflineStateReader(options, time: time), snapshotId);
    }

    private static byte[] BigEndian(long value)
    {
        var bytes = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    private sealed class FixedTime(long unixMilliseconds) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);
    }
}
