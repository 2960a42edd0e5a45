using KinesisGrains.Streaming.Kinesis.Source;
using KinesisGrains.Tests.Buffering;
using Xunit;

namespace KinesisGrains.Tests.Source;

/// <summary>Which partitions a shard's watermark update goes to, and how often.</summary>
public sealed class WatermarkUpdatesTests
{
    private static readonly DateTimeOffset s_t0 = DateTimeOffset.Parse("2026-11-29T10:00:00Z");

    [Fact]
    public void Only_partitions_fed_before_whose_last_batch_carried_something_else_are_updated()
    {
        var clock = new ManualTimeProvider(s_t0);
        var updates = new WatermarkUpdates(5, TimeSpan.FromMilliseconds(200), clock);
        var fed = new HashSet<int> { 0, 1, 3 };

        // Partition 1 got this read's batch with the new watermark; partition 2 was never fed; 4 neither.
        updates.Sent(0, s_t0, idle: false);
        updates.Sent(1, s_t0.AddSeconds(1), idle: false);
        updates.Sent(3, s_t0, idle: false);
        var due = new List<int>();
        updates.TakeDue(s_t0.AddSeconds(1), idle: false, fed.Contains, due);
        Assert.Equal([0, 3], due);

        // They count as sent: nothing more is due for the same watermark, even after the interval.
        clock.Advance(TimeSpan.FromSeconds(1));
        due.Clear();
        updates.TakeDue(s_t0.AddSeconds(1), idle: false, fed.Contains, due);
        Assert.Empty(due);

        // The idle flag alone is a change.
        updates.TakeDue(s_t0.AddSeconds(1), idle: true, fed.Contains, due);
        Assert.Equal([0, 1, 3], due);
    }

    [Fact]
    public void Updates_go_out_at_most_once_per_interval_and_the_change_waits_for_the_next()
    {
        var clock = new ManualTimeProvider(s_t0);
        var updates = new WatermarkUpdates(2, TimeSpan.FromMilliseconds(200), clock);
        var due = new List<int>();
        updates.TakeDue(s_t0, idle: false, _ => true, due);
        Assert.Equal([0, 1], due);

        clock.Advance(TimeSpan.FromMilliseconds(199));
        due.Clear();
        updates.TakeDue(s_t0.AddSeconds(1), idle: false, _ => true, due);
        Assert.Empty(due);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        updates.TakeDue(s_t0.AddSeconds(1), idle: false, _ => true, due);
        Assert.Equal([0, 1], due);
    }

    [Fact]
    public void A_partition_sent_something_else_between_two_passes_is_updated_even_when_the_shards_values_came_back()
    {
        var clock = new ManualTimeProvider(s_t0);
        var updates = new WatermarkUpdates(2, TimeSpan.FromMilliseconds(200), clock);
        var due = new List<int>();
        updates.TakeDue(s_t0, idle: false, _ => true, due);
        Assert.Equal([0, 1], due);

        // The shard was idle for a moment, long enough for a batch of rejected records to tell partition 1 so, and
        // active again (an old event, the same watermark) before any pass ran.
        updates.Sent(1, s_t0, idle: true);
        clock.Advance(TimeSpan.FromSeconds(1));
        due.Clear();
        updates.TakeDue(s_t0, idle: false, _ => true, due);
        Assert.Equal([1], due);

        clock.Advance(TimeSpan.FromSeconds(1));
        due.Clear();
        updates.TakeDue(s_t0, idle: false, _ => true, due);
        Assert.Empty(due);
    }

    [Fact]
    public void A_watermark_nobody_was_told_otherwise_is_not_due_and_does_not_start_the_interval()
    {
        var clock = new ManualTimeProvider(s_t0);
        var updates = new WatermarkUpdates(2, TimeSpan.FromSeconds(1), clock);
        var due = new List<int>();

        // Before any event the watermark is null, as every partition last heard: nothing to say.
        updates.TakeDue(null, idle: false, _ => true, due);
        Assert.Empty(due);

        // So the first real change goes out at once.
        updates.TakeDue(s_t0, idle: false, _ => true, due);
        Assert.Equal([0, 1], due);
    }
}
