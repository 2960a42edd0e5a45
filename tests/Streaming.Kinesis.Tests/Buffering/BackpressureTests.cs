using KinesisGrains.Streaming.Kinesis.Source.Buffering;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests.Buffering;

public sealed class BackpressureTests
{
    private const string Shard = "shardId-000000000003";
    private static readonly TimeSpan s_stillBlocked = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan s_generous = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_full_disk_budget_makes_the_producer_wait_until_the_consumer_drains_the_spill()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        using var buffer = new FetchBuffer(new FetchBufferOptions
        {
            SoftLimitBytes = Pages.SizedCharge(1000),
            SpillDirectory = directory.Path,
            MaxSpillBytes = 1500, // one frame
        });
        var queue = buffer.GetQueue(Shard);
        await queue.EnqueueAsync(Pages.Sized(Shard, 0, 1000)); // memory
        await queue.EnqueueAsync(Pages.Sized(Shard, 1, 1000)); // disk, which is now full

        var blocked = queue.EnqueueAsync(Pages.Sized(Shard, 2, 1000)).AsTask();
        await Task.Delay(s_stillBlocked);
        Assert.False(blocked.IsCompleted, "The producer should wait while the disk budget is used up.");

        // Memory frees up, but page 1 is on disk and order forces page 2 behind it: still waiting.
        Assert.True(queue.TryDequeue(out var first));
        Assert.Equal("iterator-0", first.NextShardIterator);
        await Task.Delay(s_stillBlocked);
        Assert.False(blocked.IsCompleted, "Page 2 must not overtake the spilled page 1.");

        // Reading page 1 drains and deletes the file: page 2 gets in.
        Assert.True(queue.TryDequeue(out var second));
        Assert.Equal("iterator-1", second.NextShardIterator);
        await blocked.WaitAsync(s_generous);

        Assert.True(queue.TryDequeue(out var third));
        Assert.Equal("iterator-2", third.NextShardIterator);
        Assert.Empty(Pages.SpillFiles(directory));
    }

    [Fact]
    public async Task Without_spilling_the_producer_waits_for_memory()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        using var buffer = new FetchBuffer(new FetchBufferOptions
        {
            SoftLimitBytes = 2 * Pages.SizedCharge(500),
            SpillDirectory = directory.Path,
            MaxSpillBytes = 0,
        });
        var queue = buffer.GetQueue(Shard);
        await queue.EnqueueAsync(Pages.Sized(Shard, 0, 500));
        await queue.EnqueueAsync(Pages.Sized(Shard, 1, 500));

        var blocked = queue.EnqueueAsync(Pages.Sized(Shard, 2, 500)).AsTask();
        await Task.Delay(s_stillBlocked);
        Assert.False(blocked.IsCompleted);
        Assert.Equal(2 * Pages.SizedCharge(500), buffer.MemoryBytes);

        Assert.True(queue.TryDequeue(out _));
        await blocked.WaitAsync(s_generous);

        Assert.Equal(2, queue.Count);
        Assert.Equal(0, buffer.PagesSpilled);
        Assert.Empty(Pages.SpillFiles(directory));
    }

    [Fact]
    public async Task A_waiting_producer_can_be_cancelled_and_leaves_nothing_behind()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        using var buffer = new FetchBuffer(new FetchBufferOptions { SoftLimitBytes = Pages.SizedCharge(100), MaxSpillBytes = 0, SpillDirectory = directory.Path });
        var queue = buffer.GetQueue(Shard);
        await queue.EnqueueAsync(Pages.Sized(Shard, 0, 100));
        var memory = buffer.MemoryBytes;

        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await queue.EnqueueAsync(Pages.Sized(Shard, 1, 100), cancellation.Token));

        Assert.Equal(1, queue.Count);
        Assert.Equal(memory, buffer.MemoryBytes);

        // The gate was released: the next producer gets through once there is room.
        Assert.True(queue.TryDequeue(out _));
        await queue.EnqueueAsync(Pages.Sized(Shard, 2, 100)).AsTask().WaitAsync(s_generous);
        Assert.True(queue.TryDequeue(out var page));
        Assert.Equal("iterator-2", page.NextShardIterator);
    }

    [Fact]
    public async Task A_waiting_producer_fails_when_the_buffer_is_disposed()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        var buffer = new FetchBuffer(new FetchBufferOptions { SoftLimitBytes = Pages.SizedCharge(100), MaxSpillBytes = 0, SpillDirectory = directory.Path });
        var queue = buffer.GetQueue(Shard);
        await queue.EnqueueAsync(Pages.Sized(Shard, 0, 100));
        var blocked = queue.EnqueueAsync(Pages.Sized(Shard, 1, 100)).AsTask();
        await Task.Delay(100);
        Assert.False(blocked.IsCompleted);

        buffer.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => blocked.WaitAsync(s_generous));
    }
}
