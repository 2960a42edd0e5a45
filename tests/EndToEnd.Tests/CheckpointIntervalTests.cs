using KinesisGrains.DynamoDB;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>Kinesis:CheckpointInterval decides when a running silo writes its shard checkpoints; a graceful stop always does.</summary>
public sealed class CheckpointIntervalTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task Checkpoints_are_written_every_interval_while_running_and_at_a_graceful_stop()
    {
        var stream = await cluster.CreateStreamAsync(shards: 1);
        await cluster.ProduceAsync(stream, records: 200, keys: 10);
        using var dynamo = cluster.DynamoDBClient();

        // An hour: nothing is checkpointed while the silo runs, however long it has been caught up.
        using (var data = new TempDirectory())
        {
            var application = "app-hourly-" + stream;
            var silo = await LocalCluster.StartSiloAsync(cluster.SiloSettings(application, stream, data.Path, ("Kinesis:CheckpointInterval", "01:00:00")));
            await LocalCluster.WaitForCaughtUpAsync(silo, 200);
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            Assert.Equal(SentinelCheckpoint.TrimHorizon, await CheckpointOfAsync(dynamo, application));

            await silo.DisposeAsync();
            Assert.False(SentinelCheckpoint.IsSentinel(await CheckpointOfAsync(dynamo, application)), "a graceful stop must checkpoint");
        }

        // 200 ms: the checkpoint catches up while the silo runs.
        using (var data = new TempDirectory())
        {
            var application = "app-frequent-" + stream;
            await using var silo = await LocalCluster.StartSiloAsync(cluster.SiloSettings(application, stream, data.Path, ("Kinesis:CheckpointInterval", "00:00:00.200")));
            await LocalCluster.WaitForCaughtUpAsync(silo, 200);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            string checkpoint;
            while (SentinelCheckpoint.IsSentinel(checkpoint = await CheckpointOfAsync(dynamo, application)) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.False(SentinelCheckpoint.IsSentinel(checkpoint), $"still {checkpoint} 10 s after catching up");
        }
    }

    private static async Task<string> CheckpointOfAsync(Amazon.DynamoDBv2.IAmazonDynamoDB dynamo, string application) =>
        Assert.Single(await new ShardLeaseTable(dynamo, application).ListAsync(CancellationToken.None)).Checkpoint;
}
