using KinesisGrains.Abstractions.Streams;
using Xunit;

namespace KinesisGrains.Tests;

public sealed class ShardPositionTests
{
    [Theory]
    [InlineData("9", "10")]
    [InlineData("49590338271490256608559692538361571095921575989136588898", "49590338271490256608559692540925702759324208523137515618")]
    [InlineData("0099", "100")]
    [InlineData("123", "124")]
    public void Orders_sequence_numbers_by_value(string lower, string higher)
    {
        Assert.True(new ShardPosition(lower, 0) < new ShardPosition(higher, 0));
        Assert.True(new ShardPosition(higher, 0) > new ShardPosition(lower, 5));
        Assert.Equal(System.Numerics.BigInteger.Parse(lower).CompareTo(System.Numerics.BigInteger.Parse(higher)), ShardPosition.CompareSequenceNumbers(lower, higher));
    }

    [Fact]
    public void Sub_sequence_numbers_break_ties()
    {
        var first = new ShardPosition("500", 1);
        var second = new ShardPosition("500", 2);
        Assert.True(first < second);
        Assert.True(first <= new ShardPosition("500", 1));
        Assert.Equal(0, ShardPosition.CompareSequenceNumbers("0500", "500"));
    }

    [Fact]
    public void Random_pairs_agree_with_BigInteger()
    {
        var random = new Random(3);
        for (var i = 0; i < 2_000; i++)
        {
            var a = RandomDigits(random);
            var b = RandomDigits(random);
            Assert.Equal(
                Math.Sign(System.Numerics.BigInteger.Parse(a).CompareTo(System.Numerics.BigInteger.Parse(b))),
                Math.Sign(ShardPosition.CompareSequenceNumbers(a, b)));
        }
    }

    private static string RandomDigits(Random random)
    {
        var length = random.Next(1, 60);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)('0' + random.Next(10));
        }

        return new string(chars);
    }
}
