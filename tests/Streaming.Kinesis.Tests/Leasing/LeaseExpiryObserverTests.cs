using KinesisGrains.Streaming.Kinesis.Leasing;
using Xunit;

namespace KinesisGrains.Tests.Leasing;

public sealed class LeaseExpiryObserverTests
{
    [Fact]
    public void A_lease_expires_only_after_its_counter_stood_still_for_the_failover_time()
    {
        var time = new SteppedTime();
        var observer = new LeaseExpiryObserver(TimeSpan.FromSeconds(10), time);

        Assert.False(observer.HasExpired("shard-1", 5));
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(observer.HasExpired("shard-1", 5));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(observer.HasExpired("shard-1", 5));
    }

    [Fact]
    public void A_moving_counter_restarts_the_wait_and_forget_starts_over()
    {
        var time = new SteppedTime();
        var observer = new LeaseExpiryObserver(TimeSpan.FromSeconds(10), time);
        observer.HasExpired("shard-1", 5);
        time.Advance(TimeSpan.FromSeconds(15));

        Assert.False(observer.HasExpired("shard-1", 6));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(observer.HasExpired("shard-1", 6));
        Assert.False(observer.HasExpired("shard-2", 6));

        time.Advance(TimeSpan.FromSeconds(10));
        observer.Forget("shard-1");
        Assert.False(observer.HasExpired("shard-1", 6));
        Assert.True(observer.HasExpired("shard-2", 6));
    }

    /// <summary>A clock that moves only when told to.</summary>
    private sealed class SteppedTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
