using KinesisGrains.Abstractions.DeadLetters;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>Writing a partition's dead letters again (a crash before it deleted them, a restored snapshot) writes nothing twice.</summary>
public sealed class LocalDeadLetterQueueTests
{
    private static readonly DateTimeOffset s_failedAt = new(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_same_letters_written_again_leave_the_file_as_it_was()
    {
        using var folder = new TempDirectory();
        var queue = new LocalDeadLetterQueue(folder.Path);
        var batch = new DeadLetterBatch("state.p-00003", 7, [Letter("1"), Letter("2")]);

        queue.Write(batch);
        var file = Assert.Single(Directory.GetFiles(folder.Path));
        var content = File.ReadAllBytes(file);
        new LocalDeadLetterQueue(folder.Path).Write(batch);

        Assert.Equal("dead-letters-20261129-state.p-00003.e-0000000007.jsonl", Path.GetFileName(Assert.Single(Directory.GetFiles(folder.Path))));
        Assert.Equal(content, File.ReadAllBytes(file));
        Assert.Equal(["1", "2"], queue.ReadAll().Select(l => l.SequenceNumber));
        Assert.Equal(2, queue.Count);
    }

    [Fact]
    public void New_letters_of_an_epoch_join_its_file_and_records_of_a_later_file_are_left_out()
    {
        using var folder = new TempDirectory();
        var queue = new LocalDeadLetterQueue(folder.Path);
        queue.Write(new DeadLetterBatch("state.p-00003", 7, [Letter("1")]));
        queue.Write(new DeadLetterBatch("state.p-00003", 8, [Letter("5")]));
        queue.Write(new DeadLetterBatch("other.p-00003", 7, [Letter("1")]));

        // Epoch 7 again: 1 is in its file, 5 in epoch 8's (replayed after a restore of an older snapshot), 2 is new.
        queue.Write(new DeadLetterBatch("state.p-00003", 7, [Letter("5"), Letter("2"), Letter("1")]));

        Assert.Equal(3, Directory.GetFiles(folder.Path).Length);
        Assert.Equal(["1", "1", "2", "5"], queue.ReadAll().Select(l => l.SequenceNumber).Order());
        Assert.Equal(4, queue.Count);
    }

    [Fact]
    public void A_file_is_unshipped_until_marked_and_again_once_it_grew()
    {
        using var folder = new TempDirectory();
        var queue = new LocalDeadLetterQueue(folder.Path);
        queue.Write(new DeadLetterBatch("state.p-00000", 1, [Letter("1")]));
        var file = Assert.Single(queue.Unshipped());

        DeadLetterFiles.MarkShipped(file, new FileInfo(file).Length);
        Assert.Empty(queue.Unshipped());
        Assert.Single(queue.ReadAll());

        queue.Write(new DeadLetterBatch("state.p-00000", 1, [Letter("2")]));
        Assert.Equal(file, Assert.Single(queue.Unshipped()));
    }

    private static DeadLetter Letter(string sequenceNumber) =>
        new("shardId-000000000000", sequenceNumber, 0, "user-" + sequenceNumber, s_failedAt, s_failedAt, "bad", "AA==");
}
