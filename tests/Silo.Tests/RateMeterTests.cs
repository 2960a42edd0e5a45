using KinesisGrains.Silo.Endpoints;
using Xunit;

namespace KinesisGrains.Tests;

public sealed class RateMeterTests
{
    [Fact]
    public void The_rate_is_the_change_over_the_window_and_zero_until_two_samples()
    {
        var clock = new ManualClock();
        var meter = new RateMeter(clock, TimeSpan.FromSeconds(5));

        Assert.Equal(0, meter.Rate("shard-0", 1_000));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(500, meter.Rate("shard-0", 1_500));

        // Every second for 10 s at 200/s: only the last 5 s count, so the earlier 500/s no longer does.
        var count = 1_500L;
        for (var second = 0; second < 10; second++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            count += 200;
        }

        Assert.Equal((count - 1_500) / 10.0, meter.Rate("shard-0", count), precision: 6);
        for (var second = 0; second < 5; second++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            count += 200;
            meter.Rate("shard-0", count);
        }

        Assert.Equal(200, meter.Rate("shard-0", count), precision: 6);
        Assert.Equal(0, meter.Rate("shard-1", 7), precision: 6);
    }

    [Fact]
    public void A_counter_that_goes_back_reads_as_zero_not_negative()
    {
        var clock = new ManualClock();
        var meter = new RateMeter(clock, TimeSpan.FromSeconds(5));
        meter.Rate("total", 100);
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(0, meter.Rate("total", 40));
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
