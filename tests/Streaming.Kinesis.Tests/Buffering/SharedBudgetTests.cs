using KinesisGrains.Streaming.Kinesis.Source.Buffering;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests.Buffering;

public sealed class SharedBudgetTests
{
    [Fact]
    public async Task Shards_share_the_memory_budget()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        var charge = Pages.SizedCharge(1000);
        using var buffer = new FetchBuffer(new FetchBufferOptions { SoftLimitBytes = 3 * charge, SpillDirectory = directory.Path });
        var a = buffer.GetQueue("a");
        var b = buffer.GetQueue("b");
        var c = buffer.GetQueue("c");

        for (var i = 0; i < 3; i++)
        {
            await a.EnqueueAsync(Pages.Sized("a", i, 1000));
        }

        await b.EnqueueAsync(Pages.Sized("b", 0, 1000)); // a used the whole budget
        Assert.Equal(0, a.SpilledCount);
        Assert.Equal(1, b.SpilledCount);
        Assert.Equal(3 * charge, buffer.MemoryBytes);

        Assert.True(a.TryDequeue(out _));
        await c.EnqueueAsync(Pages.Sized("c", 0, 1000)); // c takes the freed room
        Assert.Equal(0, c.SpilledCount);
        Assert.True(a.TryDequeue(out _));
        await b.EnqueueAsync(Pages.Sized("b", 1, 1000)); // room again, but b must stay behind its spilled page
        Assert.Equal(2, b.SpilledCount);
        Assert.Equal(2 * charge, buffer.MemoryBytes);
        Assert.Equal(a.Bytes + c.Bytes, buffer.MemoryBytes);

        Assert.True(b.TryDequeue(out var b0));
        Assert.True(b.TryDequeue(out var b1));
        Assert.Equal("iterator-0", b0.NextShardIterator);
        Assert.Equal("iterator-1", b1.NextShardIterator);
        await b.EnqueueAsync(Pages.Sized("b", 2, 1000)); // b drained: memory again
        Assert.Equal(0, b.SpilledCount);
        Assert.Equal(3 * charge, buffer.MemoryBytes);
    }

    [Fact]
    public async Task Concurrent_producers_of_many_shards_never_overshoot_the_budget_together()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        const long softLimit = 200_000;
        using var buffer = new FetchBuffer(new FetchBufferOptions { SoftLimitBytes = softLimit, SpillDirectory = directory.Path, SpillSegmentBytes = 1 << 20 });
        using var stop = new CancellationTokenSource();
        long peak = 0;
        void Sample() => Atomic.Max(ref peak, buffer.MemoryBytes);

        // A thread of its own: pool threads are all busy with producers on a small machine.
        using var sampling = new ManualResetEventSlim();
        var sampler = Task.Factory.StartNew(
            () =>
            {
                sampling.Set();
                while (!stop.IsCancellationRequested)
                {
                    Sample();
                    Thread.Yield();
                }
            },
            TaskCreationOptions.LongRunning);
        sampling.Wait();

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var producers = Enumerable.Range(0, 8).Select(shard => Task.Run(async () =>
        {
            var queue = buffer.GetQueue($"shard-{shard}");
            await start.Task;
            for (var i = 0; i < 3000; i++)
            {
                await queue.EnqueueAsync(Pages.Sized(queue.ShardId, i, 7000));
                Sample();

                // Enqueues complete synchronously here; yield so the shards interleave across pool threads.
                await Task.Yield();

                // Drain now and then, so the shard goes back to memory and keeps competing for the budget.
                if (i % 10 == 9)
                {
                    while (queue.TryDequeue(out _))
                    {
                    }
                }
            }
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(producers).WaitAsync(TimeSpan.FromMinutes(1));
        await stop.CancelAsync();
        await sampler;

        Assert.InRange(peak, softLimit / 2, softLimit);
        Assert.True(buffer.PagesSpilled > 100, $"Only {buffer.PagesSpilled} pages spilled: the budget was not contended.");
    }
}
