using KinesisGrains.KeyedState.Checkpointing;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.KeyedState.Tests.Checkpointing;

/// <summary>What a live operation waits for: the hand-overs asked for, until each deactivation ended, and no others.</summary>
public sealed class PartitionHandOversTests
{
    private static GrainId Partition(int n) => GrainId.Create("userActivityPartition", n.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task A_wait_ends_when_every_hand_over_asked_for_ended_or_says_how_many_are_left()
    {
        var handOvers = new PartitionHandOvers();
        Assert.Equal(0, await handOvers.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None));

        handOvers.Begin(Partition(1));
        handOvers.Begin(Partition(2));
        handOvers.Begin(Partition(2)); // asked twice: one hand-over
        handOvers.End(Partition(3)); // a deactivation never asked to hand over (an idle one, or a query's activation)
        Assert.Equal(2, handOvers.Pending);

        handOvers.End(Partition(1));
        Assert.Equal(1, await handOvers.WaitAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None));

        var waiting = handOvers.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        handOvers.End(Partition(2));
        Assert.Equal(0, await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_hand_over_asked_for_longer_ago_than_any_deactivation_lasts_is_not_waited_for()
    {
        var time = new SteppedTime();
        var handOvers = new PartitionHandOvers(time);
        handOvers.Begin(Partition(1));
        time.Now += PartitionHandOvers.GivenUpAfter / 2;
        handOvers.Begin(Partition(2));
        Assert.Equal(2, await handOvers.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        time.Now += (PartitionHandOvers.GivenUpAfter / 2) + TimeSpan.FromSeconds(1);
        Assert.Equal(1, await handOvers.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    private sealed class SteppedTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UnixEpoch;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
