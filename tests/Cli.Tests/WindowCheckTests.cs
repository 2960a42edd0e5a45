using KinesisGrains.Abstractions.Windows;
using KinesisGrains.Cli.Clickstream;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>What <c>verify --windows</c> calls a match, a mismatch, an over-count and a key it cannot judge.</summary>
public sealed class WindowCheckTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Windows_that_hold_exactly_the_truths_events_and_bytes_match()
    {
        var check = new WindowCheck();

        check.Add("u", [Session(0, 3, 300, closed: true), Session(60, 2, 50)], events: 5, bytes: 350, closedKept: 10, problem: null);

        Assert.Empty(check.Mismatches);
        Assert.Equal(0, check.Skipped);
    }

    [Fact]
    public void Missing_events_are_a_mismatch_to_wait_for_and_extra_ones_an_over_count()
    {
        var check = new WindowCheck();

        check.Add("short", [Session(0, 3, 300)], events: 5, bytes: 300, closedKept: 10, problem: null);
        Assert.Equal(["short: events 3 != 5"], check.Mismatches);
        Assert.False(check.OverCounted);

        check.Add("long", [Session(0, 6, 300)], events: 5, bytes: 400, closedKept: 10, problem: "sessions overlap");
        Assert.Equal("long: events 6 != 5, bytes 300 != 400, sessions overlap", check.Mismatches[1]);
        Assert.True(check.OverCounted);
    }

    [Fact]
    public void A_key_with_as_many_closed_windows_as_its_grain_keeps_is_left_out_unless_it_holds_too_many()
    {
        var check = new WindowCheck();

        check.Add("dropped-older", [Session(0, 1, 10, closed: true), Session(60, 1, 10, closed: true)], events: 5, bytes: 50, closedKept: 2, problem: null);
        Assert.Empty(check.Mismatches);
        Assert.Equal(1, check.Skipped);

        check.Add("too-many", [Session(0, 4, 10, closed: true), Session(60, 4, 10, closed: true)], events: 5, bytes: 50, closedKept: 2, problem: null);
        Assert.Single(check.Mismatches);
        Assert.True(check.OverCounted);
    }

    private static WindowResult<long> Session(int minute, long events, long bytes, bool closed = false) =>
        new(T0.AddMinutes(minute), T0.AddMinutes(minute + 30), bytes, events, closed, closed);
}
