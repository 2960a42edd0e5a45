using System.Text;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KinesisGrains.KeyedState.Tests.Snapshots;

/// <summary>
/// Without a bucket a barrier must leave the state surviving a host crash: the persist fsyncs the WAL. What this can
/// check: that the sync is made (RocksDB's FlushWAL(sync) returned, counted) and that the data is there after a close
/// and reopen. What it cannot: a real power loss or kernel panic, which would need a VM or a fault-injecting file
/// system; a process kill does not tell a synced WAL from one in the page cache.
/// </summary>
public sealed class NoBucketDurabilityTests
{
    [Fact]
    public async Task Persist_without_a_bucket_fsyncs_the_WAL_and_the_data_survives_a_reopen()
    {
        using var folder = new TempDirectory("no-bucket");
        using (var stores = new PartitionStateStores(new PartitionStoreOptions(), folder.Path, null, NullLogger<PartitionStateStores>.Instance))
        {
            using var store = await stores.OpenAsync("counts", 0, CancellationToken.None);
            var database = ((RocksDbKeyValueStore)store.Store).Database;
            using (var batch = store.Store.CreateBatch())
            {
                batch.Put("k"u8, "v"u8);
                store.Store.Write(batch);
            }

            Assert.Equal(0, database.WalSyncCount);
            Assert.Null(await stores.PersistAsync(store, new Dictionary<string, string>(), CancellationToken.None));
            Assert.Equal(1, database.WalSyncCount);
            Assert.NotNull(store.LastPersistedAt);
            Assert.Null(store.LastSnapshotAt);
        }

        using var reopened = new PartitionStateStores(new PartitionStoreOptions(), folder.Path, null, NullLogger<PartitionStateStores>.Instance);
        using var again = await reopened.OpenAsync("counts", 0, CancellationToken.None);
        Assert.Equal("v", Encoding.UTF8.GetString(again.Store.Get("k"u8)!));
    }
}
