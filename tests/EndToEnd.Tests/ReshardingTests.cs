using KinesisGrains.Client;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Silo.Hosting;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>kinesis-local, which reshards for real (kinesalite has no ChildShards and no UpdateShardCount).</summary>
public sealed class KinesisLocalCluster() : LocalCluster(kinesisLocal: true);

/// <summary>
/// Split, merge and UpdateShardCount while the stream is written and read: nothing lost, every key in order, and the
/// event-time watermark (the clicks' timestamps) never moving back as parents end and children start.
/// </summary>
public sealed class ReshardingTests(KinesisLocalCluster cluster) : IClassFixture<KinesisLocalCluster>
{
    [Fact]
    public async Task Split_merge_and_update_shard_count_keep_every_event_and_every_key_in_order()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var start = DateTimeOffset.UtcNow.AddHours(-3);
        var truth = await cluster.ProduceAsync(stream, 600, 40, seed: 1, concurrency: 1, start: start);
        await using var silo = await SiloHost.StartAsync(
            [], s => s.ConsumeStream<ClickEvent, OrderCheckPartitionGrain>(IOrderCheckPartition.StreamNamespace, eventTime: e => e.Timestamp), cluster.SiloSettings("app-" + stream, stream, data.Path, ("Kinesis:ShardFetchInterval", "00:00:00.500")));

        var shards = await cluster.Kinesis.ListShardsAsync(stream);
        var first = shards[0];
        var middle = first.HashKeyRange.StartingHashKey + ((first.HashKeyRange.EndingHashKey - first.HashKeyRange.StartingHashKey) / 2);
        await cluster.Kinesis.SplitShardAsync(stream, first.ShardId, middle);
        await cluster.Kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30));
        truth = await cluster.ProduceAsync(stream, 600, 40, seed: 2, truth, concurrency: 1, start: start.AddHours(1));

        // Merge the two children of the split back together.
        var open = (await cluster.Kinesis.ListShardsAsync(stream)).Where(s => s.IsOpen).OrderBy(s => s.HashKeyRange.StartingHashKey).ToList();
        await cluster.Kinesis.MergeShardsAsync(stream, open[0].ShardId, open[1].ShardId);
        await cluster.Kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30));
        truth = await cluster.ProduceAsync(stream, 600, 40, seed: 3, truth, concurrency: 1, start: start.AddHours(2));

        await cluster.Kinesis.UpdateShardCountAsync(stream, 4);
        await cluster.Kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30));
        truth = await cluster.ProduceAsync(stream, 600, 40, seed: 4, truth, concurrency: 1, start: start.AddHours(2.5));

        var all = await cluster.Kinesis.ListShardsAsync(stream);
        Assert.True(all.Count >= 7, $"expected parents and children, got {all.Count} shards");
        await using var client = await LocalCluster.ConnectAsync(silo);
        var deadline = DateTime.UtcNow.AddSeconds(120);
        List<string> problems;
        DateTimeOffset? latestWatermark;
        do
        {
            await Task.Delay(1_000);
            problems = [];
            latestWatermark = null;
            foreach (var user in truth.Users.Values)
            {
                var state = await OrderChecks.GetAsync<IOrderCheckPartition>(client.Client, user.UserId) ?? new OrderCheckState();
                if (state.Events != user.EventCount || state.OutOfOrder != 0 || state.WatermarkBackwards != 0)
                {
                    problems.Add($"{user.UserId}: {state.Events}/{user.EventCount} events, {state.OutOfOrder} out of order, watermark back {state.WatermarkBackwards} times");
                }

                latestWatermark = state.Watermark > latestWatermark || latestWatermark is null ? state.Watermark : latestWatermark;
            }
        }
        while (problems.Count > 0 && DateTime.UtcNow < deadline);

        Assert.Empty(problems);

        // The watermark followed the events through the merge into the children of the last reshard.
        Assert.True(latestWatermark >= start.AddHours(2), $"the watermark stopped at {latestWatermark:O}, before the merged shard's events ({start.AddHours(2):O})");
        var progress = silo.Source.Progress;
        Assert.Contains(progress, p => p.State == Abstractions.Monitoring.ShardReceiverState.Ended);
        Assert.Equal(all.Count, progress.Count);
    }
}
