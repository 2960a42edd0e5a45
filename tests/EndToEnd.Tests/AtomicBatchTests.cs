using System.Text;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.Abstractions.DeadLetters;
using KinesisGrains.Abstractions.Partitions;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>
/// Rule 1 (hole 1 of issue 13): a batch is applied all or nothing. A key whose stored state no longer deserializes
/// (e.g. a required field added to the state type) used to throw outside the per-event handling: Orleans retried the
/// delivery, and the events before it in the batch were applied again on every retry.
/// </summary>
public sealed class AtomicBatchTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task An_unreadable_stored_state_dead_letters_its_events_and_counts_the_rest_of_the_batch_once()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var settings = cluster.SiloSettings("app-" + stream, stream, data.Path);
        const string broken = "user-broken";
        var neighbours = Enumerable.Range(0, 500).Select(i => $"user-{i}").Where(k => SamePartition(k, broken)).Take(3).ToList();
        neighbours.Add("user-elsewhere");

        // First life: every key gets one event, so the broken key has a stored state.
        await PutAsync(stream, [broken, .. neighbours]);
        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await LocalCluster.WaitForCaughtUpAsync(silo, neighbours.Count + 1);
        }

        CorruptStoredState(data.Path, broken);

        // Second life: one read whose batch has the neighbours' events before and after the broken key's.
        await PutAsync(stream, [.. neighbours, broken, .. neighbours]);
        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await LocalCluster.WaitForCaughtUpAsync(silo, 2 * neighbours.Count + 1);
            await using var client = await LocalCluster.ConnectAsync(silo);
            foreach (var key in neighbours)
            {
                Assert.Equal(3, (await client.GetGrain<IUserActivity>(key).GetSummaryAsync()).EventCount);
            }
        }

        var letters = new LocalDeadLetterQueue(Path.Combine(data.Path, "dead-letters")).ReadAll().ToList();
        var letter = Assert.Single(letters);
        Assert.Equal(broken, letter.PartitionKey);
        Assert.Contains("stored state", letter.Reason);
    }

    private static bool SamePartition(string key, string other) =>
        new PartitionMap(8).GetPartition(key) == new PartitionMap(8).GetPartition(other);

    private Task PutAsync(string stream, IEnumerable<string> keys) =>
        cluster.Kinesis.PutRecordsAsync(stream, [.. keys.Select(key => new Kinesis.Client.PutRecordsRequestEntry(
            Encoding.UTF8.GetBytes($$"""{"userId":"{{key}}","type":"view","bytes":10,"timestamp":"2026-11-29T10:00:00Z"}"""), key))]);

    /// <summary>Overwrites the key's stored state (kind byte 1, then the key) with bytes that are not its JSON.</summary>
    private static void CorruptStoredState(string dataDirectory, string key)
    {
        var partition = new PartitionMap(8).GetPartition(key);
        var directory = Directory.EnumerateDirectories(Path.Combine(dataDirectory, "state"), $"p-{partition:D5}", SearchOption.AllDirectories).Single();
        using var store = RocksDbKeyValueStore.Open(directory, new RocksDbOptions());
        using var batch = store.CreateBatch();
        batch.Put([1, .. Encoding.UTF8.GetBytes(key)], "{\"EventCount\":\"not a number\"}"u8);
        store.Write(batch);
    }
}
