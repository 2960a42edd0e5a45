using KinesisGrains.Streaming.Kinesis.Source.Buffering;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests.Buffering;

public sealed class ConcurrencyTests
{
    private const int Shards = 4;
    private const int PagesPerShard = 10_000;

    [Fact]
    public async Task One_producer_and_one_consumer_per_shard_deliver_every_page_once_in_order()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        const long softLimit = 64 * 1024;
        using var buffer = new FetchBuffer(new FetchBufferOptions
        {
            SoftLimitBytes = softLimit,
            SpillDirectory = directory.Path,
            MaxSpillBytes = 512 * 1024, // small enough that producers also hit backpressure
            SpillSegmentBytes = 48 * 1024,
        });
        var largestCharge = 0L;
        var overBudget = 0L;

        var producers = Enumerable.Range(0, Shards).Select(shard => Task.Run(async () =>
        {
            var queue = buffer.GetQueue(ShardId(shard));
            var random = new Random(shard);
            for (var i = 0; i < PagesPerShard; i++)
            {
                var page = Pages.Create(queue.ShardId, i, maxRecords: 4, maxData: 600);
                Atomic.Max(ref largestCharge, FetchBuffer.ChargeOf(page));
                await queue.EnqueueAsync(page);
                if (buffer.MemoryBytes > softLimit + Volatile.Read(ref largestCharge))
                {
                    Interlocked.Increment(ref overBudget);
                }

                if (random.Next(500) == 0)
                {
                    await Task.Delay(1); // let consumers catch up now and then, so the spill drains back to memory
                }
            }
        })).ToArray();

        var consumers = Enumerable.Range(0, Shards).Select(shard => Task.Run(async () =>
        {
            var queue = buffer.GetQueue(ShardId(shard));
            var random = new Random(100 + shard);
            for (var i = 0; i < PagesPerShard; i++)
            {
                FetchedPage page;
                if (random.Next(2) == 0 || !queue.TryDequeue(out page!))
                {
                    page = await queue.DequeueAsync();
                }

                Pages.AssertSame(Pages.Create(queue.ShardId, i, maxRecords: 4, maxData: 600), page);
                if (random.Next(1000) == 0)
                {
                    await Task.Delay(2); // let the producer run ahead and spill
                }
            }

            Assert.False(queue.TryDequeue(out _), "A page arrived twice or out of thin air.");
        })).ToArray();

        // One at a time, so a failed assertion ends the test at once instead of leaving its partner blocked.
        var running = producers.Concat(consumers).ToList();
        while (running.Count > 0)
        {
            var finished = await Task.WhenAny(running).WaitAsync(TimeSpan.FromMinutes(1));
            await finished;
            running.Remove(finished);
        }

        Assert.Equal(0, Interlocked.Read(ref overBudget));
        Assert.True(buffer.PagesSpilled > 0, "Nothing spilled: the test did not exercise the disk path.");
        Assert.Equal(0, buffer.MemoryBytes);
        Assert.Equal(0, buffer.SpilledBytes);
        Assert.Empty(Pages.SpillFiles(directory));
    }

    private static string ShardId(int shard) => $"shardId-{shard:D12}";
}
