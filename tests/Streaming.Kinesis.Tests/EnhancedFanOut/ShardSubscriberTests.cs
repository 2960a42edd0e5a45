using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Source;
using KinesisGrains.Streaming.Kinesis.Source.Buffering;
using KinesisGrains.Streaming.Kinesis.Source.EnhancedFanOut;
using KinesisGrains.Testing;
using KinesisGrains.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using static KinesisGrains.Tests.EnhancedFanOut.EfoTestStreams;

namespace KinesisGrains.Tests.EnhancedFanOut;

/// <summary>The enhanced fan-out source of a shard on kinesis-local: pages in its fetch-buffer queue, as the receiver takes them.</summary>
public sealed class ShardSubscriberTests(KinesisLocalFixture emulator) : IClassFixture<KinesisLocalFixture>, IDisposable
{
    private readonly TempDirectory _spill = new("efo-spill");

    [Fact]
    public async Task Registers_the_application_consumer_once_and_reuses_it()
    {
        using var client = emulator.CreateClient();
        var stream = TestOptions.NewStreamName("efo-reg");
        await client.CreateActiveStreamAsync(stream, 1);
        var options = new KinesisSourceOptions { StreamName = stream, ConsumerMode = ConsumerMode.Efo };

        var first = await new StreamConsumerRegistration(client, options, "my-app", NullLogger.Instance).ArnAsync(CancellationToken.None);
        var second = await new StreamConsumerRegistration(client, options, "my-app", NullLogger.Instance).ArnAsync(CancellationToken.None);
        var given = await new StreamConsumerRegistration(client, new KinesisSourceOptions { StreamName = stream, ConsumerArn = "arn:aws:kinesis:us-east-1:000000000000:stream/x/consumer/y:1" }, "my-app", NullLogger.Instance).ArnAsync(CancellationToken.None);
        var consumers = await client.ListStreamConsumersAsync((await client.DescribeStreamSummaryAsync(stream)).StreamArn);

        Assert.Contains("/consumer/my-app:", first);
        Assert.Equal(first, second);
        Assert.Equal("arn:aws:kinesis:us-east-1:000000000000:stream/x/consumer/y:1", given);
        var only = Assert.Single(consumers);
        Assert.Equal(ConsumerStatus.Active, only.Status);
    }

    [Fact]
    public async Task Renewals_continue_after_the_continuation_with_nothing_lost_or_doubled()
    {
        using var client = emulator.CreateClient();
        var (stream, shards, _) = await CreateWithConsumerAsync(client, "efo-renew");
        var shard = shards[0].ShardId;
        using var buffer = NewBuffer();
        var queue = buffer.GetQueue(shard);
        var subscriber = NewSubscriber(client, stream, shard, queue, renewAfter: TimeSpan.FromSeconds(2.5));
        using var stop = new CancellationTokenSource();
        var run = subscriber.RunAsync(FromTrimHorizon, stop.Token);

        // Records keep arriving across several renewals (one every ~2.5 s here, every 5 minutes on AWS).
        for (var batch = 0; batch < 8; batch++)
        {
            await PutAsync(client, stream, "n", batch * 40, (batch + 1) * 40);
            await Task.Delay(1000);
        }

        var records = await DrainAsync(queue, 320, TimeSpan.FromSeconds(40));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.True(subscriber.Subscriptions >= 3, $"{subscriber.Subscriptions} subscriptions");
        Assert.Equal(Enumerable.Range(0, 320).Select(i => $"n-{i}"), records.Select(Text));
        Assert.Equal(records[^1].SequenceNumber, subscriber.LastFetchedSequenceNumber);
    }

    [Fact]
    public async Task ResourceInUse_while_another_subscription_is_live_is_retried_until_it_goes()
    {
        using var client = emulator.CreateClient();
        var (stream, shards, consumer) = await CreateWithConsumerAsync(client, "efo-busy");
        var shard = shards[0].ShardId;
        await PutAsync(client, stream, "b", 0, 50);
        var (other, _) = await SubscribeToShardTests.RetryWhileInUseAsync(() => client.SubscribeToShardAsync(consumer.ConsumerArn, shard, new StartingPosition(ShardIteratorType.Latest)));
        using var buffer = NewBuffer();
        var queue = buffer.GetQueue(shard);
        var subscriber = NewSubscriber(client, stream, shard, queue);
        using var stop = new CancellationTokenSource();

        var run = subscriber.RunAsync(FromTrimHorizon, stop.Token);
        await Task.Delay(2500);
        var refusedWhileHeld = subscriber.ResourceInUseRetries;
        var queuedWhileHeld = queue.Count;
        await other.DisposeAsync();
        var records = await DrainAsync(queue, 50, TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.True(refusedWhileHeld >= 1, $"{refusedWhileHeld} ResourceInUse retries while the other subscription was live");
        Assert.Equal(0, queuedWhileHeld);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"b-{i}"), records.Select(Text));
    }

    [Fact]
    public async Task A_split_parent_is_read_to_its_end_and_the_last_page_names_the_children()
    {
        using var client = emulator.CreateClient();
        var (stream, shards, _) = await CreateWithConsumerAsync(client, "efo-split");
        var parent = shards[0];
        await PutAsync(client, stream, "p", 0, 60);
        using var buffer = NewBuffer();
        var queue = buffer.GetQueue(parent.ShardId);
        var closed = false;
        var subscriber = NewSubscriber(client, stream, parent.ShardId, queue, () => Volatile.Read(ref closed));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = subscriber.RunAsync(FromTrimHorizon, stop.Token);
        var before = await DrainAsync(queue, 60, TimeSpan.FromSeconds(20));

        await client.SplitShardAsync(stream, parent.ShardId, UInt128.MaxValue / 2);
        await client.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30));
        var children = (await client.ListShardsAsync(stream)).Where(s => s.ParentShardId == parent.ShardId).Select(s => s.ShardId).Order().ToList();
        Volatile.Write(ref closed, true); // what the balancer's shard list tells the receiver's context
        await run;
        var pages = new List<FetchedPage>();
        while (queue.TryDequeue(out var page))
        {
            pages.Add(page);
        }

        Assert.Equal(Enumerable.Range(0, 60).Select(i => $"p-{i}"), before.Select(Text));
        Assert.Empty(pages.SelectMany(p => p.Records));
        Assert.True(pages[^1].IsShardEnd);
        Assert.Equal(2, children.Count);
        Assert.Equal(children, pages[^1].ChildShards.Select(c => c.ShardId).Order());
        Assert.All(pages[^1].ChildShards, c => Assert.Contains(parent.ShardId, c.ParentShards));
    }

    [Fact]
    public async Task While_the_buffer_is_stale_the_subscription_is_not_read_and_afterwards_nothing_is_missing()
    {
        using var client = emulator.CreateClient();
        var (stream, shards, _) = await CreateWithConsumerAsync(client, "efo-pressure");
        var shard = shards[0].ShardId;
        using var buffer = NewBuffer();
        var queue = buffer.GetQueue(shard);
        var subscriber = NewSubscriber(client, stream, shard, queue, maxFetchDuration: TimeSpan.FromSeconds(1));
        using var stop = new CancellationTokenSource();
        var run = subscriber.RunAsync(FromTrimHorizon, stop.Token);

        // Nobody takes pages: once the oldest is a second old the subscriber stops reading, however much arrives.
        await PutAsync(client, stream, "q", 0, 10);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (queue.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        // The first page turns stale after a second; an event already on its way may still be queued after it.
        await Task.Delay(3000);
        var held = queue.Count;
        for (var batch = 1; batch < 6; batch++)
        {
            await PutAsync(client, stream, "q", batch * 10, (batch + 1) * 10);
            await Task.Delay(1000);
        }

        var stillHeld = queue.Count;
        var records = await DrainAsync(queue, 60, TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.InRange(held, 1, 3);
        Assert.Equal(held, stillHeld);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => $"q-{i}"), records.Select(Text));
    }

    public void Dispose() => _spill.Dispose();

    private static Task<StartingPosition> FromTrimHorizon(string? after, CancellationToken _) =>
        Task.FromResult(after is null ? new StartingPosition(ShardIteratorType.TrimHorizon) : StartingPosition.After(after));

    private FetchBuffer NewBuffer() => new(new FetchBufferOptions { SpillDirectory = _spill.Path });

    private static ShardSubscriber NewSubscriber(
        KinesisClient client, string stream, string shardId, ShardQueue queue, Func<bool>? closed = null, TimeSpan? renewAfter = null, TimeSpan? maxFetchDuration = null)
    {
        var options = new KinesisSourceOptions { StreamName = stream, ConsumerMode = ConsumerMode.Efo, ConsumerName = "efo-test", MaxFetchDuration = maxFetchDuration ?? TimeSpan.FromSeconds(10) };
        return new ShardSubscriber(
            client, new StreamConsumerRegistration(client, options, "app", NullLogger.Instance), options, shardId, queue, closed ?? (() => false), TimeProvider.System, NullLogger.Instance)
        {
            RenewAfter = renewAfter,
        };
    }

    /// <summary>Takes pages until <paramref name="count"/> records came, then a little longer so extra ones would be seen.</summary>
    private static async Task<List<KinesisRecord>> DrainAsync(ShardQueue queue, int count, TimeSpan timeout)
    {
        var records = new List<KinesisRecord>();
        using var deadline = new CancellationTokenSource(timeout);
        while (records.Count < count && !deadline.IsCancellationRequested)
        {
            try
            {
                records.AddRange((await queue.DequeueAsync(deadline.Token)).Records);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await Task.Delay(1500);
        while (queue.TryDequeue(out var page))
        {
            records.AddRange(page.Records);
        }

        return records;
    }
}
