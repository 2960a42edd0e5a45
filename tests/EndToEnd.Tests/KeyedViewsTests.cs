using KinesisGrains.Abstractions.Views;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Grains.Clicks;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Silo.Hosting;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>
/// Issue 15, views: one stream read once feeds the user-activity view, a view keyed by event type and one global count
/// spread over the partitions; each view's totals equal the ground truth of the produced records, when the views are
/// added to an application already running (they are built from the stream's origin) and across a restart (each view's
/// partitions resume on their own lanes); a rejected record is dead-lettered once (by the primary view only), and every
/// shard's checkpoint reaches its last record (each view's partitions vouched for their own lanes).
/// </summary>
public sealed class KeyedViewsTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task One_stream_feeds_the_user_by_type_and_spread_total_views_each_equal_to_the_truth()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 4);
        var truth = await cluster.ProduceAsync(stream, records: 3_000, keys: 300);
        await cluster.Kinesis.PutRecordsAsync(stream, [new("{not json"u8.ToArray(), "user-000001")]);
        var settings = cluster.SiloSettings("app-" + stream, stream, data.Path, ("Kinesis:MaxRecordsPerFetch", "200"));

        // The application runs a while with its user view only.
        await using (var first = await LocalCluster.StartSiloAsync(settings))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (first.Source.Progress.Sum(p => p.RecordsRead) < 1_000 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.InRange(first.Source.Progress.Sum(p => p.RecordsRead), 1_000, 3_001);
        }

        // Views added: their partitions hold nothing, so every shard is read again from its origin for them.
        truth = await cluster.ProduceAsync(stream, records: 1_000, keys: 300, seed: 8, truth);
        await using (var second = await StartWithViewsAsync(settings))
        {
            await VerifyAsync(second, truth);
        }

        // More records while no silo runs; the next one resumes every lane of every view from the checkpoints.
        truth = await cluster.ProduceAsync(stream, records: 500, keys: 300, seed: 9, truth);
        await using var silo = await StartWithViewsAsync(settings);
        await VerifyAsync(silo, truth);

        // The spread key is held in parts: more than one partition pre-aggregated it.
        await using var client = await LocalCluster.ConnectAsync(silo);
        var parts = await Task.WhenAll(Enumerable.Range(0, 8).Select(p => client.Client.GetGrain<IClickTotalPartition>(p).GetAsync(IClickTotalPartition.Key)));
        Assert.True(parts.Count(p => p is { Events: > 0 }) > 1, "the global count is in one partition only");

        // Each view's partitions vouched for their own lanes: the checkpoints reach every shard's last record.
        Assert.True(
            await WaitForAsync(() => Task.FromResult(silo.Source.Progress.All(p => silo.Source.Checkpointer.GetCheckpoint(p.ShardId) == p.LastSequenceNumber)), atEnd => atEnd),
            "checkpoints behind the last records: " + string.Join("; ", silo.Source.Progress.Select(p => $"{p.ShardId} {silo.Source.Checkpointer.GetCheckpoint(p.ShardId)} < {p.LastSequenceNumber}")));
        Assert.Single(await LocalCluster.WaitForDeadLettersAsync(data.Path, 1), l => l.PartitionKey == "user-000001" && l.Reason.Contains("not a JSON ClickEvent", StringComparison.Ordinal));
    }

    private static Task<SiloInstance> StartWithViewsAsync(Dictionary<string, string?> settings) =>
        LocalCluster.StartSiloAsync(settings, silo => silo
            .AddKeyedView<ClickEvent, ClickTypePartitionGrain>(IClickTypePartition.StreamNamespace, click => click.Type)
            .AddKeyedView<ClickEvent, ClickTotalPartitionGrain>(IClickTotalPartition.StreamNamespace, _ => IClickTotalPartition.Key, KeyedViewRouting.Spread));

    /// <summary>Waits for the global count to reach the truth, then checks every view: users, types, the total.</summary>
    private static async Task VerifyAsync(SiloInstance silo, GroundTruth truth)
    {
        await using var client = await LocalCluster.ConnectAsync(silo);
        var total = await WaitForAsync(() => client.Client.GetGrain<IClickTotal>(0).GetAsync(), t => t.Events >= truth.Events);

        Assert.Equal(truth.Events, total.Events);
        Assert.Equal(truth.Users.Values.Sum(u => u.TotalBytes), total.Bytes);
        Assert.Empty(await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(30), CancellationToken.None));
        var byType = truth.Users.Values.SelectMany(u => u.EventsByType).GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.Sum(t => t.Value));
        Assert.True(byType.Count >= 3, $"the clickstream made {byType.Count} types");
        foreach (var (type, events) in byType)
        {
            Assert.Equal((type, events), (type, (await client.Client.GetGrain<IClickTypeCounts>(type).GetAsync()).Events));
        }
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var value = await read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            value = await read();
        }

        return value;
    }
}
