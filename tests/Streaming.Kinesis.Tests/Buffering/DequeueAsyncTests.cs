using KinesisGrains.Streaming.Kinesis.Source.Buffering;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests.Buffering;

public sealed class DequeueAsyncTests
{
    private const string Shard = "shardId-000000000004";
    private static readonly TimeSpan s_generous = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Waits_for_a_page_and_wakes_when_one_arrives()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        using var buffer = new FetchBuffer(new FetchBufferOptions { SpillDirectory = directory.Path });
        var queue = buffer.GetQueue(Shard);

        var waiting = queue.DequeueAsync().AsTask();
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);

        var page = Pages.Sized(Shard, 0, 10);
        await queue.EnqueueAsync(page);

        Assert.Same(page, await waiting.WaitAsync(s_generous));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task Wakes_for_a_page_that_went_straight_to_disk()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        using var buffer = new FetchBuffer(new FetchBufferOptions { SoftLimitBytes = Pages.SizedCharge(100), SpillDirectory = directory.Path });
        await buffer.GetQueue("other").EnqueueAsync(Pages.Sized("other", 0, 100)); // fills memory
        var queue = buffer.GetQueue(Shard);

        var waiting = queue.DequeueAsync().AsTask();
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);
        var page = Pages.Create(Shard, 5, maxRecords: 3);
        await queue.EnqueueAsync(page);

        // Read back from disk: an equal page, not the instance enqueued. (Not SpilledCount after the enqueue: the woken
        // consumer may already have taken the page off the disk, which made this test fail on a loaded CI machine.)
        var read = await waiting.WaitAsync(s_generous);
        Assert.NotSame(page, read);
        Pages.AssertSame(page, read);
    }

    [Fact]
    public async Task Returns_synchronously_when_a_page_is_there()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        using var buffer = new FetchBuffer(new FetchBufferOptions { SpillDirectory = directory.Path });
        var queue = buffer.GetQueue(Shard);
        await queue.EnqueueAsync(Pages.Sized(Shard, 0, 10));

        var dequeue = queue.DequeueAsync();

        Assert.True(dequeue.IsCompletedSuccessfully);
        Assert.Equal("iterator-0", (await dequeue).NextShardIterator);
    }

    [Fact]
    public async Task Cancellation_stops_the_wait_without_losing_a_later_page()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        using var buffer = new FetchBuffer(new FetchBufferOptions { SpillDirectory = directory.Path });
        var queue = buffer.GetQueue(Shard);

        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await queue.DequeueAsync(cancellation.Token));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await queue.DequeueAsync(cancelled.Token));

        await queue.EnqueueAsync(Pages.Sized(Shard, 1, 10));
        Assert.True(queue.TryDequeue(out var page));
        Assert.Equal("iterator-1", page.NextShardIterator);
    }

    [Fact]
    public async Task A_waiting_consumer_fails_when_its_queue_is_removed()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        using var buffer = new FetchBuffer(new FetchBufferOptions { SpillDirectory = directory.Path });
        var queue = buffer.GetQueue(Shard);
        var waiting = queue.DequeueAsync().AsTask();
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);

        Assert.True(buffer.RemoveQueue(Shard));

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(s_generous));
    }
}
