using KinesisGrains.Streaming.Kinesis.Source.Buffering;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests.Buffering;

public sealed class ShardQueueOrderTests
{
    private const string Shard = "shardId-000000000001";

    [Fact]
    public async Task Order_and_every_field_survive_memory_disk_memory_transitions()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        const long softLimit = 64 * 1024;
        using var buffer = new FetchBuffer(new FetchBufferOptions
        {
            SoftLimitBytes = softLimit,
            SpillDirectory = directory.Path,
            MaxSpillBytes = 1L << 30,
            SpillSegmentBytes = 96 * 1024,
        });
        var queue = buffer.GetQueue(Shard);
        var random = new Random(42);
        var expected = new Queue<FetchedPage>();
        var next = 0;
        var toDisk = 0;
        var backToMemory = 0;
        var lastSpilled = false;
        long largestCharge = 0;

        for (var round = 0; round < 150; round++)
        {
            for (var produce = random.Next(0, 40); produce > 0; produce--)
            {
                var page = Pages.Create(Shard, next++, maxRecords: 10, maxData: 4096);
                largestCharge = Math.Max(largestCharge, FetchBuffer.ChargeOf(page));
                var spilledBefore = queue.SpilledCount;
                await queue.EnqueueAsync(page);
                expected.Enqueue(page);

                var spilled = queue.SpilledCount > spilledBefore;
                toDisk += spilled && !lastSpilled ? 1 : 0;
                backToMemory += !spilled && lastSpilled ? 1 : 0;
                lastSpilled = spilled;
                Assert.InRange(buffer.MemoryBytes, 0, softLimit + largestCharge);
                Assert.Equal(expected.Count, queue.Count);
                Assert.Equal(expected.Sum(FetchBuffer.ChargeOf), queue.Bytes);
            }

            for (var consume = random.Next(0, 45); consume > 0; consume--)
            {
                if (!queue.TryDequeue(out var page))
                {
                    Assert.Empty(expected);
                    break;
                }

                Pages.AssertSame(expected.Dequeue(), page);
                Assert.InRange(buffer.MemoryBytes, 0, softLimit + largestCharge);
            }
        }

        while (queue.TryDequeue(out var page))
        {
            Pages.AssertSame(expected.Dequeue(), page);
        }

        Assert.Empty(expected);
        Assert.True(toDisk >= 5, $"Only {toDisk} switches to disk: the test did not exercise spilling.");
        Assert.True(backToMemory >= 5, $"Only {backToMemory} switches back to memory.");
        Assert.True(buffer.PagesSpilled > 100, $"Only {buffer.PagesSpilled} pages spilled.");
        Assert.Equal(0, queue.Count);
        Assert.Equal(0, queue.Bytes);
        Assert.Equal(0, buffer.MemoryBytes);
        Assert.Equal(0, buffer.SpilledBytes);
        Assert.Empty(Pages.SpillFiles(directory));
    }

    [Fact]
    public async Task Once_a_shard_spilled_its_later_pages_follow_on_disk_even_when_memory_frees_up()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        using var buffer = new FetchBuffer(new FetchBufferOptions { SoftLimitBytes = 2 * Pages.SizedCharge(1000), SpillDirectory = directory.Path });
        var queue = buffer.GetQueue(Shard);

        await queue.EnqueueAsync(Pages.Sized(Shard, 0, 1000));
        await queue.EnqueueAsync(Pages.Sized(Shard, 1, 1000));
        await queue.EnqueueAsync(Pages.Sized(Shard, 2, 1000)); // memory full: disk
        Assert.Equal(1, queue.SpilledCount);

        Assert.True(queue.TryDequeue(out var first));
        Assert.Equal("iterator-0", first.NextShardIterator);
        await queue.EnqueueAsync(Pages.Sized(Shard, 3, 1000)); // memory has room, but page 2 is on disk
        Assert.Equal(2, queue.SpilledCount);
        Assert.Equal(Pages.SizedCharge(1000), buffer.MemoryBytes);

        var order = new List<string?>();
        while (queue.TryDequeue(out var page))
        {
            order.Add(page.NextShardIterator);
        }

        Assert.Equal(["iterator-1", "iterator-2", "iterator-3"], order);

        await queue.EnqueueAsync(Pages.Sized(Shard, 4, 1000)); // drained: memory again
        Assert.Equal(0, queue.SpilledCount);
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public async Task A_page_larger_than_the_budget_stays_in_memory_when_nothing_else_is_buffered()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        using var buffer = new FetchBuffer(new FetchBufferOptions { SoftLimitBytes = 10_000, SpillDirectory = directory.Path });
        var queue = buffer.GetQueue(Shard);

        var huge = Pages.Sized(Shard, 0, 50_000);
        await queue.EnqueueAsync(huge);
        Assert.Equal(0, queue.SpilledCount);
        Assert.Equal(FetchBuffer.ChargeOf(huge), buffer.MemoryBytes);

        await queue.EnqueueAsync(Pages.Sized(Shard, 1, 10)); // anything else now spills
        Assert.Equal(1, queue.SpilledCount);

        Assert.True(queue.TryDequeue(out var page));
        Assert.Same(huge, page);
        Assert.True(queue.TryDequeue(out page));
        Assert.Equal("iterator-1", page.NextShardIterator);
        Assert.False(queue.TryDequeue(out _));
    }

    [Fact]
    public async Task Memory_never_exceeds_the_budget_while_the_producer_outpaces_the_consumer()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        const long softLimit = 100_000;
        using var buffer = new FetchBuffer(new FetchBufferOptions { SoftLimitBytes = softLimit, SpillDirectory = directory.Path, SpillSegmentBytes = 256 * 1024 });
        var queue = buffer.GetQueue(Shard);
        var expected = new Queue<FetchedPage>();
        long peak = 0;
        long largestCharge = 0;

        for (var i = 0; i < 3000; i++)
        {
            var page = Pages.Create(Shard, i, maxRecords: 6, maxData: 3000);
            largestCharge = Math.Max(largestCharge, FetchBuffer.ChargeOf(page));
            await queue.EnqueueAsync(page);
            expected.Enqueue(page);
            peak = Math.Max(peak, buffer.MemoryBytes);

            // Budget reservations are exact, so not even the "one page" of slack of a soft limit is used.
            Assert.InRange(buffer.MemoryBytes, 0, softLimit);
            Assert.True(buffer.MemoryBytes <= softLimit + largestCharge);

            if (i % 3 == 0)
            {
                Assert.True(queue.TryDequeue(out var taken));
                Pages.AssertSame(expected.Dequeue(), taken);
                Assert.InRange(buffer.MemoryBytes, 0, softLimit);
            }
        }

        Assert.True(peak > softLimit / 2, $"Memory peaked at {peak}: the budget was never approached.");
        Assert.Equal(expected.Count, queue.Count);
        Assert.True(buffer.SpilledBytes > 1_000_000, $"{buffer.SpilledBytes} bytes spilled: the excess did not go to disk.");
    }

    [Fact]
    public async Task Oldest_fetched_at_follows_the_head_in_memory_and_on_disk()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        var time = new ManualTimeProvider(new DateTimeOffset(2024, 5, 1, 0, 0, 10, TimeSpan.Zero));
        using var buffer = new FetchBuffer(new FetchBufferOptions { SoftLimitBytes = Pages.SizedCharge(100), SpillDirectory = directory.Path }, time);
        var queue = buffer.GetQueue(Shard);
        var t0 = new DateTimeOffset(2024, 5, 1, 0, 0, 1, TimeSpan.FromHours(2));
        var t1 = t0.AddSeconds(3);
        var t2 = t1.AddSeconds(3);

        Assert.Null(queue.OldestFetchedAt);
        Assert.Null(queue.OldestAge);

        await queue.EnqueueAsync(Pages.Sized(Shard, 0, 100, t0));
        await queue.EnqueueAsync(Pages.Sized(Shard, 1, 100, t1)); // spilled
        await queue.EnqueueAsync(Pages.Sized(Shard, 2, 100, t2)); // spilled
        Assert.Equal(2, queue.SpilledCount);
        Assert.Equal(t0, queue.OldestFetchedAt);
        Assert.Equal(time.GetUtcNow() - t0, queue.OldestAge);

        Assert.True(queue.TryDequeue(out _));
        Assert.Equal(t1, queue.OldestFetchedAt); // told by the producer when it spilled the first page
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(time.GetUtcNow() - t1, queue.OldestAge);

        Assert.True(queue.TryDequeue(out _));
        Assert.Equal(t2, queue.OldestFetchedAt); // read from the file along with page 1

        Assert.True(queue.TryDequeue(out _));
        Assert.Null(queue.OldestFetchedAt);
    }

    [Fact]
    public async Task Queues_are_per_shard_and_reject_other_shards_pages()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        using var buffer = new FetchBuffer(new FetchBufferOptions { SpillDirectory = directory.Path });

        var a = buffer.GetQueue("a");
        Assert.Same(a, buffer.GetQueue("a"));
        Assert.NotSame(a, buffer.GetQueue("b"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await a.EnqueueAsync(Pages.Sized("b", 0, 1)));
        Assert.Equal(0, a.Count);
    }
}
