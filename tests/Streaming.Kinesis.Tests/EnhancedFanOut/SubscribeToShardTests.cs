using KinesisGrains.Kinesis.Client;
using KinesisGrains.Tests.Support;
using Xunit;
using static KinesisGrains.Tests.EnhancedFanOut.EfoTestStreams;

namespace KinesisGrains.Tests.EnhancedFanOut;

/// <summary>The client's enhanced fan-out calls against kinesis-local over HTTP/2 cleartext.</summary>
public sealed class SubscribeToShardTests(KinesisLocalFixture emulator) : IClassFixture<KinesisLocalFixture>
{
    [Fact]
    public async Task Consumers_are_registered_described_listed_and_deregistered()
    {
        using var client = emulator.CreateClient();
        // Not "consumers": kinesis-local cannot parse a consumer ARN whose stream name contains "consumer".
        var stream = TestOptions.NewStreamName("registry");
        await client.CreateActiveStreamAsync(stream, 1);
        var streamArn = (await client.DescribeStreamSummaryAsync(stream)).StreamArn;

        var registered = await client.RegisterStreamConsumerAsync(streamArn, "reader.one");
        var again = await Assert.ThrowsAsync<KinesisResourceInUseException>(() => client.RegisterStreamConsumerAsync(streamArn, "reader.one"));
        var active = await client.WaitForConsumerActiveAsync(registered.ConsumerArn, TimeSpan.FromSeconds(30));
        var byName = await client.DescribeStreamConsumerAsync(streamArn, "reader.one");
        await client.RegisterStreamConsumerAsync(streamArn, "reader-two");
        var listed = await client.ListStreamConsumersAsync(streamArn);
        await client.DeregisterStreamConsumerAsync(registered.ConsumerArn);
        var afterwards = await EventuallyAsync(async () => (await client.ListStreamConsumersAsync(streamArn)).Where(c => c.ConsumerName == "reader.one" && c.Status != ConsumerStatus.Deleting).ToList(), l => l.Count == 0);

        Assert.Equal("reader.one", registered.ConsumerName);
        Assert.StartsWith(streamArn + "/consumer/reader.one:", registered.ConsumerArn);
        Assert.Equal("RegisterStreamConsumer", again.Operation);
        Assert.Equal(ConsumerStatus.Active, active.Status);
        Assert.Equal(registered.ConsumerArn, byName.ConsumerArn);
        Assert.Equal(streamArn, byName.StreamArn);
        Assert.Equal(["reader-two", "reader.one"], listed.Select(c => c.ConsumerName).Order(StringComparer.Ordinal));
        Assert.Empty(afterwards);
    }

    [Fact]
    public async Task A_subscription_from_trim_horizon_sees_the_records_in_order_over_http2()
    {
        using var client = emulator.CreateClient();
        var (stream, shards, consumer) = await CreateWithConsumerAsync(client, "efo-order");
        var put = await PutAsync(client, stream, "r", 0, 250);

        await using var subscription = await client.SubscribeToShardAsync(consumer.ConsumerArn, shards[0].ShardId, new StartingPosition(ShardIteratorType.TrimHorizon));
        var records = new List<KinesisRecord>();
        string? continuation = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (records.Count < 250 && await subscription.ReadEventAsync(timeout.Token) is { } next)
        {
            records.AddRange(next.Records);
            continuation = next.ContinuationSequenceNumber;
        }

        Assert.Equal(new Version(2, 0), subscription.HttpVersion);
        Assert.Equal(Enumerable.Range(0, 250).Select(i => $"r-{i}"), records.Select(Text));
        Assert.Equal(put, records.Select(r => r.SequenceNumber));
        Assert.Equal(put[^1], continuation);
    }

    [Fact]
    public async Task A_second_subscription_while_one_is_live_is_ResourceInUse_and_a_resubscription_after_the_continuation_doubles_nothing()
    {
        using var client = emulator.CreateClient();
        var (stream, shards, consumer) = await CreateWithConsumerAsync(client, "efo-inuse");
        var shard = shards[0].ShardId;
        await PutAsync(client, stream, "a", 0, 30);
        var first = await client.SubscribeToShardAsync(consumer.ConsumerArn, shard, new StartingPosition(ShardIteratorType.TrimHorizon));
        var seen = new List<KinesisRecord>();
        string? continuation = null;
        while (seen.Count < 30 && await first.ReadEventAsync() is { } next)
        {
            seen.AddRange(next.Records);
            continuation = next.ContinuationSequenceNumber;
        }

        // While the first is live (kinesis-local: HTTP 200 and one exception message; AWS: an HTTP 400).
        var error = await Assert.ThrowsAsync<KinesisResourceInUseException>(async () =>
        {
            await using var second = await client.SubscribeToShardAsync(consumer.ConsumerArn, shard, new StartingPosition(ShardIteratorType.TrimHorizon));
            await second.ReadEventAsync();
        });

        await first.DisposeAsync();
        await PutAsync(client, stream, "a", 30, 60);
        var renewed = await RetryWhileInUseAsync(() => client.SubscribeToShardAsync(consumer.ConsumerArn, shard, StartingPosition.After(continuation!)));
        await using (renewed.Subscription)
        {
            seen.AddRange(renewed.First.Records);
            while (seen.Count < 60 && await renewed.Subscription.ReadEventAsync() is { } next)
            {
                seen.AddRange(next.Records);
            }
        }

        Assert.Equal("SubscribeToShard", error.Operation);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => $"a-{i}"), seen.Select(Text));
    }

    /// <summary>Subscribes until the first event arrives, waiting out ResourceInUse (kinesis-local notices a closed stream after a moment).</summary>
    internal static async Task<(ShardSubscription Subscription, SubscribeToShardEvent First)> RetryWhileInUseAsync(Func<Task<ShardSubscription>> subscribe)
    {
        for (var attempt = 1; ; attempt++)
        {
            var subscription = await subscribe();
            try
            {
                var first = await subscription.ReadEventAsync() ?? throw new InvalidOperationException("The subscription ended before its first event.");
                return (subscription, first);
            }
            catch (KinesisResourceInUseException) when (attempt < 20)
            {
                await subscription.DisposeAsync();
                await Task.Delay(500);
            }
        }
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(200);
        }
    }
}
