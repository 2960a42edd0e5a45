using KinesisGrains.Abstractions.ExactlyOnce;
using Xunit;
using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Tests.ExactlyOnce;

public sealed class ShardCheckpointTests
{
    private static ShardCheckpoint At(int n, long sub = 0) => new(new Position(n.ToString(System.Globalization.CultureInfo.InvariantCulture), sub), false);

    private static readonly ShardCheckpoint s_origin = new(null, false);
    private static readonly ShardCheckpoint s_end = new(null, true);

    [Fact]
    public void A_checkpoint_only_moves_forward()
    {
        Assert.True(At(5).IsAfter(null));
        Assert.True(At(5).IsAfter(s_origin));
        Assert.True(At(5, 1).IsAfter(At(5)));
        Assert.True(At(100).IsAfter(At(99)));
        Assert.False(At(5).IsAfter(At(5)));
        Assert.False(At(4).IsAfter(At(5)));
        Assert.True(s_end.IsAfter(At(5)));
        Assert.False(At(9).IsAfter(s_end));
        Assert.False(s_end.IsAfter(s_end));
        Assert.False(s_origin.IsAfter(null));
    }
}
