using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Client;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>A silo reading by enhanced fan-out (Kinesis:ConsumerMode=Efo) on kinesis-local, the emulator with SubscribeToShard.</summary>
public sealed class EnhancedFanOutTests(KinesisLocalCluster cluster) : IClassFixture<KinesisLocalCluster>
{
    [Fact]
    public async Task Efo_totals_match_the_ground_truth_across_a_split_and_a_restart_and_the_consumer_stays_registered()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var application = "app-" + stream;
        var truth = await cluster.ProduceAsync(stream, records: 1_200, keys: 150, seed: 11);
        var settings = cluster.SiloSettings(
            application, stream, data.Path, ("Kinesis:ConsumerMode", "Efo"), ("Kinesis:ShardFetchInterval", "00:00:00.500"), ("Kinesis:LeaseFailoverTime", "00:00:01"));
        var streamArn = (await cluster.Kinesis.DescribeStreamSummaryAsync(stream)).StreamArn;

        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await LocalCluster.WaitForCaughtUpAsync(silo, 1_200);
            await using (var client = await LocalCluster.ConnectAsync(silo))
            {
                Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
            }

            // Resharding under a subscription: the parent ends, its children start after it.
            var first = (await cluster.Kinesis.ListShardsAsync(stream))[0];
            var middle = first.HashKeyRange.StartingHashKey + ((first.HashKeyRange.EndingHashKey - first.HashKeyRange.StartingHashKey) / 2);
            await cluster.Kinesis.SplitShardAsync(stream, first.ShardId, middle);
            await cluster.Kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30));
            truth = await cluster.ProduceAsync(stream, records: 600, keys: 150, seed: 12, truth);
            await WaitForTotalAsync(silo, truth);
            Assert.Contains(silo.Source.Progress, p => p.ShardId == first.ShardId && p.State == Abstractions.Monitoring.ShardReceiverState.Ended);
            Assert.Equal(4, silo.Source.Progress.Count);
        }

        // Written while no silo runs; the next one subscribes after the checkpoints with the same consumer.
        truth = await cluster.ProduceAsync(stream, records: 400, keys: 150, seed: 13, truth);
        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await WaitForTotalAsync(silo, truth);
            await using var client = await LocalCluster.ConnectAsync(silo);
            Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
        }

        Assert.Equal(2_200, truth.Events);
        var consumer = Assert.Single(await cluster.Kinesis.ListStreamConsumersAsync(streamArn));
        Assert.Equal(application, consumer.ConsumerName);
        Assert.Equal(ConsumerStatus.Active, consumer.Status);
    }

    private static async Task WaitForTotalAsync(Silo.Hosting.SiloInstance silo, GroundTruth truth)
    {
        await using var client = await LocalCluster.ConnectAsync(silo);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        long total = 0;
        while (DateTime.UtcNow < deadline)
        {
            total = 0;
            foreach (var user in truth.Users.Keys)
            {
                total += (await client.GetGrain<IUserActivity>(user).GetSummaryAsync()).EventCount;
            }

            if (total >= truth.Events && silo.Source.IsCaughtUp)
            {
                return;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{total} of {truth.Events} events after 90 s: " + string.Join("; ", silo.Source.Progress.Select(p => $"{p.ShardId} {p.State} read {p.RecordsRead} error {p.LastError}")));
    }
}
