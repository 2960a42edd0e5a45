using KinesisGrains.Streaming.Kinesis.Source;
using KinesisGrains.Tests.Buffering;
using Xunit;

namespace KinesisGrains.Tests.Source;

/// <summary>A shard's watermark: bounded out-of-orderness, never backwards, and idleness by the clock.</summary>
public sealed class ShardWatermarkTests
{
    private static readonly DateTimeOffset s_t0 = DateTimeOffset.Parse("2026-11-29T10:00:00Z");

    [Fact]
    public void The_watermark_is_the_latest_event_time_minus_the_out_of_orderness_and_never_moves_back()
    {
        var watermark = new ShardWatermark(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), new ManualTimeProvider(s_t0));
        Assert.Null(watermark.Current);
        Assert.Null(watermark.MaxEventTime);

        var moved = new List<bool>();
        var seen = new List<DateTimeOffset?>();
        foreach (var seconds in new[] { 10, 7, 12, 3, 12, 11, 20 })
        {
            moved.Add(watermark.Observe(s_t0.AddSeconds(seconds)));
            seen.Add(watermark.Current);
        }

        Assert.Equal([true, false, true, false, false, false, true], moved);
        Assert.Equal([5, 5, 7, 7, 7, 7, 15], seen.Select(w => (int)(w!.Value - s_t0).TotalSeconds));
        Assert.Equal(s_t0.AddSeconds(20), watermark.MaxEventTime);
    }

    [Fact]
    public void Without_out_of_orderness_the_watermark_is_the_latest_event_time()
    {
        var watermark = new ShardWatermark(TimeSpan.Zero, TimeSpan.Zero, new ManualTimeProvider(s_t0));
        watermark.Observe(s_t0.AddMilliseconds(1234));
        Assert.Equal(s_t0.AddMilliseconds(1234), watermark.Current);
    }

    [Fact]
    public void An_out_of_orderness_larger_than_the_time_itself_stops_at_the_earliest_time()
    {
        var watermark = new ShardWatermark(TimeSpan.FromDays(1), TimeSpan.Zero, new ManualTimeProvider(s_t0));
        watermark.Observe(DateTimeOffset.MinValue.AddHours(1));
        Assert.Equal(DateTimeOffset.MinValue, watermark.Current);
    }

    [Fact]
    public void A_shard_is_quiet_once_no_event_was_read_for_the_idle_timeout_and_not_after_its_next_event()
    {
        var clock = new ManualTimeProvider(s_t0);
        var watermark = new ShardWatermark(TimeSpan.Zero, TimeSpan.FromSeconds(30), clock);

        // The clock runs from the reader's start: a shard without any event turns quiet too.
        clock.Advance(TimeSpan.FromSeconds(29.999));
        Assert.False(watermark.IsQuiet);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(watermark.IsQuiet);

        // An event, even an old one that leaves the watermark where it is, makes it active again.
        watermark.Observe(s_t0);
        Assert.False(watermark.IsQuiet);
        clock.Advance(TimeSpan.FromSeconds(10));
        watermark.Observe(s_t0.AddSeconds(-60));
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(watermark.IsQuiet);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(watermark.IsQuiet);
        Assert.Equal(s_t0, watermark.Current);
    }

    [Fact]
    public void Starting_the_clock_again_restarts_the_idle_timeout()
    {
        var clock = new ManualTimeProvider(s_t0);
        var watermark = new ShardWatermark(TimeSpan.Zero, TimeSpan.FromSeconds(30), clock);
        clock.Advance(TimeSpan.FromSeconds(20));
        watermark.StartClock();
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.False(watermark.IsQuiet);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True(watermark.IsQuiet);
    }

    [Fact]
    public void An_idle_timeout_of_zero_never_makes_a_shard_quiet()
    {
        var clock = new ManualTimeProvider(s_t0);
        var watermark = new ShardWatermark(TimeSpan.Zero, TimeSpan.Zero, clock);
        clock.Advance(TimeSpan.FromDays(365));
        Assert.False(watermark.IsQuiet);
    }
}
