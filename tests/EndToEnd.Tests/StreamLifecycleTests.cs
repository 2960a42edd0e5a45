using Amazon.DynamoDBv2.Model;
using KinesisGrains.Client;
using KinesisGrains.DynamoDB;
using KinesisGrains.Silo.Hosting;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>Applications sharing a stream, and a stream deleted and created again under the same name.</summary>
public sealed class StreamLifecycleTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task Two_applications_on_one_stream_each_keep_their_own_checkpoints_and_totals()
    {
        using var dataA = new TempDirectory();
        using var dataB = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var truth = await cluster.ProduceAsync(stream, records: 2_000, keys: 100);

        await using var a = await LocalCluster.StartSiloAsync(cluster.SiloSettings("app-a-" + stream, stream, dataA.Path));
        await using var b = await LocalCluster.StartSiloAsync(cluster.SiloSettings("app-b-" + stream, stream, dataB.Path));
        await Task.WhenAll(LocalCluster.WaitForCaughtUpAsync(a, 2_000), LocalCluster.WaitForCaughtUpAsync(b, 2_000));

        await using var clientA = await LocalCluster.ConnectAsync(a);
        await using var clientB = await LocalCluster.ConnectAsync(b);
        Assert.Empty(await truth.VerifyAsync(clientA.Client, CancellationToken.None));
        Assert.Empty(await truth.VerifyAsync(clientB.Client, CancellationToken.None));

        await a.DisposeAsync();
        await b.DisposeAsync();
        using var dynamo = cluster.DynamoDBClient();
        foreach (var application in new[] { "app-a-" + stream, "app-b-" + stream })
        {
            var leases = await new ShardLeaseTable(dynamo, application).ListAsync(CancellationToken.None);
            Assert.Equal(2, leases.Count);
            Assert.All(leases, lease => Assert.False(SentinelCheckpoint.IsSentinel(lease.Checkpoint), $"{application}/{lease.LeaseKey} checkpoint {lease.Checkpoint}"));
        }
    }

    [Fact]
    public async Task A_new_application_on_the_data_folder_of_another_starts_from_nothing()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var truth = await cluster.ProduceAsync(stream, records: 500, keys: 50);

        await using (var first = await LocalCluster.StartSiloAsync(cluster.SiloSettings("app-1-" + stream, stream, data.Path)))
        {
            await LocalCluster.WaitForCaughtUpAsync(first, 500);
        }

        // Same folder, another application: its totals are its own reading of the stream, not added to the first one's.
        await using var second = await LocalCluster.StartSiloAsync(cluster.SiloSettings("app-2-" + stream, stream, data.Path));
        await LocalCluster.WaitForCaughtUpAsync(second, 500);
        await using var client = await LocalCluster.ConnectAsync(second);
        Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
    }

    [Fact]
    public async Task A_recreated_stream_is_refused_until_a_reset_is_asked_for()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        await cluster.ProduceAsync(stream, records: 300, keys: 10);
        var settings = cluster.SiloSettings("app-" + stream, stream, data.Path);
        await using (var first = await LocalCluster.StartSiloAsync(settings))
        {
            await LocalCluster.WaitForCaughtUpAsync(first, 300);
        }

        // kinesalite keeps creation times in whole seconds, set 2 s in the past (its SEQ_ADJUST_MS): a stream recreated
        // within the same second would look identical, which real Kinesis (deletion alone takes seconds) never shows.
        var firstCreated = (await cluster.Kinesis.DescribeStreamSummaryAsync(stream)).StreamCreationTimestamp;
        await cluster.Kinesis.DeleteStreamAsync(stream);
        await WaitUntilGoneAsync(stream);
        var sameSecondUntil = firstCreated.AddSeconds(1 + 2) - DateTimeOffset.UtcNow;
        if (sameSecondUntil > TimeSpan.Zero)
        {
            await Task.Delay(sameSecondUntil + TimeSpan.FromMilliseconds(50));
        }

        await cluster.Kinesis.CreateStreamAsync(stream, 1);
        await cluster.Kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30));
        var truth = await cluster.ProduceAsync(stream, records: 200, keys: 10, seed: 99);

        var refused = await Assert.ThrowsAsync<SiloStartupException>(() => LocalCluster.StartSiloAsync(settings));
        Assert.Contains($"'{stream}' was deleted and created again", refused.Message);
        Assert.Contains("Kinesis:ResetIfStreamRecreated=true", refused.Message);

        // The reset deletes the application's pinned facts with its checkpoints: a new partition count is pinned now.
        settings["Kinesis:ResetIfStreamRecreated"] = "true";
        settings["Grains:PartitionCount"] = "4";
        await using var fresh = await LocalCluster.StartSiloAsync(settings);
        await LocalCluster.WaitForCaughtUpAsync(fresh, 200);
        await using var client = await LocalCluster.ConnectAsync(fresh);
        Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
    }

    private async Task WaitUntilGoneAsync(string stream)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                await cluster.Kinesis.DescribeStreamSummaryAsync(stream);
                await Task.Delay(100);
            }
            catch (Kinesis.Client.KinesisResourceNotFoundException)
            {
                return;
            }
        }

        throw new TimeoutException($"stream {stream} was not deleted");
    }
}
