using KinesisGrains.Streaming.Kinesis.Source.Buffering;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests.Buffering;

public sealed class SpillFileTests
{
    private const string Shard = "shardId-000000000002";

    [Fact]
    public async Task Spill_file_is_deleted_once_drained_and_a_new_one_started_on_the_next_spill()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        using var buffer = new FetchBuffer(new FetchBufferOptions { SoftLimitBytes = Pages.SizedCharge(1000), SpillDirectory = directory.Path });
        var queue = buffer.GetQueue(Shard);

        for (var i = 0; i < 10; i++)
        {
            await queue.EnqueueAsync(Pages.Sized(Shard, i, 1000));
        }

        Assert.Equal(9, queue.SpilledCount);
        var file = Assert.Single(Pages.SpillFiles(directory));
        Assert.Equal(buffer.SpilledBytes, new FileInfo(file).Length);
        Assert.True(buffer.SpilledBytes > 9 * 1000);

        for (var i = 0; i < 9; i++)
        {
            Assert.True(queue.TryDequeue(out _));
            Assert.Single(Pages.SpillFiles(directory)); // still holds unread pages
        }

        Assert.True(queue.TryDequeue(out var last));
        Assert.Equal("iterator-9", last.NextShardIterator);
        Assert.Empty(Pages.SpillFiles(directory));
        Assert.Equal(0, buffer.SpilledBytes);

        await queue.EnqueueAsync(Pages.Sized(Shard, 10, 1000));
        await queue.EnqueueAsync(Pages.Sized(Shard, 11, 1000));
        var second = Assert.Single(Pages.SpillFiles(directory));
        Assert.NotEqual(file, second);
    }

    [Fact]
    public async Task Full_segments_are_sealed_and_deleted_as_soon_as_they_are_read()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        const int data = 10_000;
        using var buffer = new FetchBuffer(new FetchBufferOptions
        {
            SoftLimitBytes = 1,
            SpillDirectory = directory.Path,
            SpillSegmentBytes = 3 * (data + 100), // three frames per file
        });
        var queue = buffer.GetQueue(Shard);

        for (var i = 0; i < 31; i++)
        {
            await queue.EnqueueAsync(Pages.Sized(Shard, i, data));
        }

        Assert.Equal(30, queue.SpilledCount); // the first page fit in memory on its own
        Assert.Equal(10, Pages.SpillFiles(directory).Length);
        Assert.Equal(Pages.SpillFiles(directory).Sum(f => new FileInfo(f).Length), buffer.SpilledBytes);

        for (var i = 0; i < 7; i++)
        {
            Assert.True(queue.TryDequeue(out var page));
            Assert.Equal($"iterator-{i}", page.NextShardIterator);
        }

        // Six spilled pages read: the first two files are gone while the shard is still far from drained.
        var files = Pages.SpillFiles(directory);
        Assert.Equal(8, files.Length);
        Assert.Equal(files.Sum(f => new FileInfo(f).Length), buffer.SpilledBytes);
        Assert.Equal(24, queue.Count);
    }

    [Fact]
    public async Task Removing_a_queue_deletes_its_files_and_gives_its_budget_back()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        using var buffer = new FetchBuffer(new FetchBufferOptions { SoftLimitBytes = 5 * Pages.SizedCharge(100), SpillDirectory = directory.Path });
        var removed = buffer.GetQueue("removed");
        var kept = buffer.GetQueue("kept");
        for (var i = 0; i < 20; i++)
        {
            await removed.EnqueueAsync(Pages.Sized("removed", i, 100));
        }

        await kept.EnqueueAsync(Pages.Sized("kept", 0, 100));
        Assert.Equal(2, Pages.SpillFiles(directory).Length);

        Assert.True(buffer.RemoveQueue("removed"));

        var file = Assert.Single(Pages.SpillFiles(directory));
        Assert.Contains("kept", Path.GetFileName(file), StringComparison.Ordinal);
        Assert.Equal(Pages.SizedCharge(100), kept.Bytes);
        Assert.Equal(0, buffer.MemoryBytes);
        Assert.Equal(new FileInfo(file).Length, buffer.SpilledBytes);
        Assert.Throws<ObjectDisposedException>(() => removed.TryDequeue(out _));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await removed.EnqueueAsync(Pages.Sized("removed", 20, 1)));
        Assert.False(buffer.RemoveQueue("removed"));

        var fresh = buffer.GetQueue("removed");
        Assert.NotSame(removed, fresh);
        Assert.Equal(0, fresh.Count);
    }

    [Fact]
    public async Task Dispose_deletes_every_spill_file()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        var buffer = new FetchBuffer(new FetchBufferOptions { SoftLimitBytes = 1000, SpillDirectory = directory.Path, SpillSegmentBytes = 5000 });
        for (var shard = 0; shard < 3; shard++)
        {
            var queue = buffer.GetQueue($"shard-{shard}");
            for (var i = 0; i < 10; i++)
            {
                await queue.EnqueueAsync(Pages.Sized(queue.ShardId, i, 2000));
            }
        }

        Assert.True(Pages.SpillFiles(directory).Length >= 6, "Each shard should have spilled into several files.");

        buffer.Dispose();

        Assert.Empty(Pages.SpillFiles(directory));
        Assert.Equal(0, buffer.MemoryBytes);
        Assert.Equal(0, buffer.SpilledBytes);
        Assert.Throws<ObjectDisposedException>(() => buffer.GetQueue("shard-0"));
        buffer.Dispose(); // idempotent
    }

    [Fact]
    public async Task A_page_that_fails_to_spill_leaves_the_spill_readable_and_in_order()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        using var buffer = new FetchBuffer(new FetchBufferOptions { SoftLimitBytes = 1, SpillDirectory = directory.Path, SpillSegmentBytes = 1 << 20 });
        var queue = buffer.GetQueue(Shard);
        await queue.EnqueueAsync(Pages.Sized(Shard, 0, 10)); // memory

        // Fails as the first frame of a new file: the file goes again.
        await Assert.ThrowsAsync<IOException>(async () => await queue.EnqueueAsync(Failing(1)));
        Assert.Empty(Pages.SpillFiles(directory));
        Assert.Equal(0, buffer.SpilledBytes);

        // Fails between two good frames: the next frame takes its place, so the file has no hole.
        await queue.EnqueueAsync(Pages.Sized(Shard, 2, 5000));
        await Assert.ThrowsAsync<IOException>(async () => await queue.EnqueueAsync(Failing(3)));
        await queue.EnqueueAsync(Pages.Sized(Shard, 4, 5000));
        var file = Assert.Single(Pages.SpillFiles(directory));
        Assert.Equal(new FileInfo(file).Length, buffer.SpilledBytes);

        Assert.Equal(3, queue.Count);
        var iterators = new List<string?>();
        while (queue.TryDequeue(out var page))
        {
            iterators.Add(page.NextShardIterator);
        }

        Assert.Equal(["iterator-0", "iterator-2", "iterator-4"], iterators);
        Assert.Empty(Pages.SpillFiles(directory));
        Assert.Equal(0, buffer.SpilledBytes);
        Assert.Equal(0, buffer.MemoryBytes);

        // Reads once to size the page, once to size the frame, then fails while writing the frame.
        static FetchedPage Failing(int index)
        {
            var good = Pages.Sized(Shard, index, 5000);
            var records = new FailingRecords(good.Records, reads: 2 * good.Records.Count);
            return new FetchedPage(Shard, records, good.NextShardIterator, 0, [], good.FetchedAt);
        }
    }

    [Fact]
    public async Task A_missing_spill_directory_is_created_on_first_spill()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        var nested = Path.Combine(directory.Path, "a", "b");
        using var buffer = new FetchBuffer(new FetchBufferOptions { SoftLimitBytes = 1, SpillDirectory = nested });
        var queue = buffer.GetQueue(Shard);

        await queue.EnqueueAsync(Pages.Sized(Shard, 0, 10));
        Assert.False(Directory.Exists(nested)); // nothing spilled yet
        await queue.EnqueueAsync(Pages.Sized(Shard, 1, 10));

        Assert.Single(Directory.GetFiles(nested));
    }

    [Fact]
    public async Task Spill_files_of_a_process_that_died_are_deleted_and_those_of_running_processes_kept()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        using (var exited = System.Diagnostics.Process.Start("true")!)
        {
            await exited.WaitForExitAsync();
            File.WriteAllText(Path.Combine(directory.Path, $"kgrains-{exited.Id}-0badf00d-{Shard}-000000.spill"), "left by a killed silo");
        }

        var live = Path.Combine(directory.Path, $"kgrains-{Environment.ProcessId}-0123abcd-{Shard}-000000.spill");
        var foreign = Path.Combine(directory.Path, "notes.spill");
        File.WriteAllText(live, "another buffer of this process");
        File.WriteAllText(foreign, "not a spill file of ours");

        using var buffer = new FetchBuffer(new FetchBufferOptions { SpillDirectory = directory.Path });

        Assert.Equal(1, buffer.OrphanedSpillFilesDeleted);
        Assert.Equal(new[] { live, foreign }.Order(StringComparer.Ordinal), Directory.GetFiles(directory.Path).Order(StringComparer.Ordinal));
    }
}
