using KinesisGrains.Kinesis.Client;
using Xunit;

namespace KinesisGrains.Tests;

public sealed class CallPacerTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(300);

    [Fact]
    public void The_first_attempt_may_go_at_once()
    {
        var pacer = new CallPacer(s_period, new ManualClock());

        Assert.Equal(TimeSpan.Zero, pacer.UntilNextAttempt());
        Assert.True(pacer.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public void The_next_attempt_waits_out_the_period_counted_from_the_last_attempt()
    {
        var clock = new ManualClock();
        var pacer = new CallPacer(s_period, clock);

        pacer.OnAttempt();
        clock.Now = TimeSpan.FromMilliseconds(100);
        Assert.Equal(TimeSpan.FromMilliseconds(200), pacer.UntilNextAttempt());

        clock.Now = TimeSpan.FromMilliseconds(250);
        pacer.OnAttempt();
        clock.Now = TimeSpan.FromMilliseconds(400);
        Assert.Equal(TimeSpan.FromMilliseconds(150), pacer.UntilNextAttempt());

        clock.Now = TimeSpan.FromMilliseconds(550);
        Assert.Equal(TimeSpan.Zero, pacer.UntilNextAttempt());
    }

    [Fact]
    public void A_negative_period_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CallPacer(TimeSpan.FromMilliseconds(-1)));
    }

    private sealed class ManualClock : TimeProvider
    {
        public TimeSpan Now { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Now.Ticks;
    }
}
