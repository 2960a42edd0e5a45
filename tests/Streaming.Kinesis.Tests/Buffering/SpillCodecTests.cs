using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Source.Buffering;
using Xunit;

namespace KinesisGrains.Tests.Buffering;

public sealed class SpillCodecTests
{
    [Fact]
    public void Random_pages_round_trip_with_every_field()
    {
        for (var index = 0; index < 300; index++)
        {
            var page = Pages.Create("shardId-000000000007", index, maxRecords: 20, maxData: 300);
            var copy = RoundTrip(page);
            Pages.AssertSame(page, copy);
        }
    }

    [Fact]
    public void Edge_values_round_trip()
    {
        var page = new FetchedPage(
            "s",
            [
                new KinesisRecord("", DateTimeOffset.MinValue, [], "", null),
                new KinesisRecord("9", DateTimeOffset.MaxValue, new byte[200_000], "\u0000 nul", "NONE"),
                new KinesisRecord("1", new DateTimeOffset(638_000_000_000_000_001, TimeSpan.FromMinutes(14 * 60)), [255], "k", "KMS"),
                new KinesisRecord("2", new DateTimeOffset(638_000_000_000_000_001, TimeSpan.FromMinutes(-14 * 60)), [0], "k", ""),
            ],
            nextShardIterator: "",
            millisBehindLatest: long.MaxValue,
            childShards: [new ChildShard("c", [], new HashKeyRange(UInt128.MaxValue, UInt128.MaxValue - 1))],
            fetchedAt: new DateTimeOffset(1, TimeSpan.FromMinutes(-1)));

        var copy = RoundTrip(page);

        Pages.AssertSame(page, copy);
        Assert.Equal("", copy.NextShardIterator);
        Assert.Equal("", copy.Records[3].EncryptionType);
        Assert.Null(copy.Records[0].EncryptionType);
    }

    [Fact]
    public void Frame_is_length_prefixed()
    {
        var page = Pages.Create("shard", 1);
        var frame = new byte[SpillCodec.GetFrameLength(page)];
        SpillCodec.Write(page, frame);

        Assert.Equal(frame.Length - SpillCodec.HeaderLength, BitConverter.ToInt32(frame, 0));
        var (length, fetchedAt) = SpillCodec.ReadPreamble(frame);
        Assert.Equal(frame.Length, length);
        Pages.AssertSameInstant(page.FetchedAt, fetchedAt);
    }

    [Fact]
    public void Corrupt_frames_are_rejected()
    {
        var page = Pages.Create("shard", 3, maxRecords: 5);
        var frame = new byte[SpillCodec.GetFrameLength(page)];
        SpillCodec.Write(page, frame);

        Assert.Throws<InvalidDataException>(() => SpillCodec.Read("shard", frame.AsSpan(0, frame.Length - 1)));
        var wrongVersion = (byte[])frame.Clone();
        wrongVersion[SpillCodec.HeaderLength] = 99;
        Assert.Throws<InvalidDataException>(() => SpillCodec.Read("shard", wrongVersion));
        Assert.Throws<InvalidDataException>(() => SpillCodec.ReadPreamble(wrongVersion));
        var truncatedBody = (byte[])frame.Clone();
        BitConverter.TryWriteBytes(truncatedBody.AsSpan(0, 4), frame.Length - SpillCodec.HeaderLength - 1);
        Assert.Throws<InvalidDataException>(() => SpillCodec.Read("shard", truncatedBody.AsSpan(0, frame.Length - 1)));
    }

    private static FetchedPage RoundTrip(FetchedPage page)
    {
        var frame = new byte[SpillCodec.GetFrameLength(page)];
        SpillCodec.Write(page, frame);
        return SpillCodec.Read(page.ShardId, frame);
    }
}
