using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Client;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>A stream with known per-key totals, consumed by a real silo (kinesalite, dynalite, RocksDB).</summary>
public sealed class ExactTotalsTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task Every_key_aggregate_equals_the_ground_truth()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 4);
        var truth = await cluster.ProduceAsync(stream, records: 6_000, keys: 500);

        await using var silo = await LocalCluster.StartSiloAsync(cluster.SiloSettings("app-" + stream, stream, data.Path));
        await LocalCluster.WaitForCaughtUpAsync(silo, 6_000);

        await using var client = await LocalCluster.ConnectAsync(silo);
        Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
        Assert.Equal(6_000, truth.Users.Values.Sum(u => u.EventCount));
        var unknown = await client.GetGrain<IUserActivity>("nobody").GetSummaryAsync();
        Assert.Equal(0, unknown.EventCount);
        Assert.Equal(4, silo.Source.Progress.Count);
    }

    [Fact]
    public async Task Stopping_half_way_and_restarting_neither_loses_nor_double_counts()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var truth = await cluster.ProduceAsync(stream, records: 4_000, keys: 300);
        var settings = cluster.SiloSettings("app-" + stream, stream, data.Path, ("Kinesis:MaxRecordsPerFetch", "100"), ("Kinesis:LeaseFailoverTime", "00:00:01"));

        await using (var first = await LocalCluster.StartSiloAsync(settings))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (first.Source.Progress.Sum(p => p.RecordsRead) < 1_000 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.InRange(first.Source.Progress.Sum(p => p.RecordsRead), 1_000, 3_999);
        }

        // More data while the silo is down, then a second silo on the same state and checkpoints.
        truth = await cluster.ProduceAsync(stream, records: 1_000, keys: 300, seed: 8, truth);
        await using var second = await LocalCluster.StartSiloAsync(settings);
        await LocalCluster.WaitForCaughtUpAsync(second, 1);
        await WaitForTotalAsync(second, truth);

        await using var client = await LocalCluster.ConnectAsync(second);
        Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
    }

    [Fact]
    public async Task A_malformed_record_goes_to_the_dead_letter_folder_and_the_rest_is_processed()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var truth = await cluster.ProduceAsync(stream, records: 200, keys: 20);
        await cluster.Kinesis.PutRecordsAsync(stream, [new("{not json"u8.ToArray(), "user-000001")]);
        truth = await cluster.ProduceAsync(stream, records: 200, keys: 20, seed: 9, truth);

        await using var silo = await LocalCluster.StartSiloAsync(cluster.SiloSettings("app-" + stream, stream, data.Path));
        await LocalCluster.WaitForCaughtUpAsync(silo, 401);

        await using var client = await LocalCluster.ConnectAsync(silo);
        Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
        var letters = await LocalCluster.WaitForDeadLettersAsync(data.Path, 1);
        var letter = Assert.Single(letters);
        Assert.Equal("user-000001", letter.PartitionKey);
        Assert.Contains("not a JSON ClickEvent", letter.Reason);
        Assert.Equal("{not json", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(letter.DataBase64)));
        Assert.Equal(1, silo.Source.Progress.Single().DeadLettered);
    }

    private static async Task WaitForTotalAsync(Silo.Hosting.SiloInstance silo, GroundTruth truth)
    {
        // Caught up after a restart can be seen before the replayed records are re-read; wait on the total itself.
        await using var client = await LocalCluster.ConnectAsync(silo);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            long total = 0;
            foreach (var user in truth.Users.Keys)
            {
                total += (await client.GetGrain<IUserActivity>(user).GetSummaryAsync()).EventCount;
            }

            if (total >= truth.Events && silo.Source.IsCaughtUp)
            {
                return;
            }

            await Task.Delay(200);
        }
    }
}
