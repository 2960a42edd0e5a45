using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Source.Buffering;
using Xunit;

namespace KinesisGrains.Tests.Buffering;

public sealed class FetchedPageTests
{
    [Fact]
    public void Size_is_data_plus_utf8_partition_key_plus_sequence_number()
    {
        var page = new FetchedPage(
            "shardId-000000000000",
            [
                new KinesisRecord("12345", DateTimeOffset.UnixEpoch, new byte[100], "ключ"), // 4 Cyrillic letters: 8 UTF-8 bytes
                new KinesisRecord("678", DateTimeOffset.UnixEpoch, [], "k"),
            ],
            "iterator",
            0,
            [],
            DateTimeOffset.UnixEpoch);

        Assert.Equal(100 + 8 + 5 + 0 + 1 + 3, page.SizeBytes);
        Assert.Equal(page.SizeBytes + FetchBuffer.PageOverheadBytes + (2 * FetchBuffer.RecordOverheadBytes), FetchBuffer.ChargeOf(page));
    }

    [Fact]
    public void From_copies_a_GetRecords_response()
    {
        var child = new ChildShard("shardId-1", ["shardId-0"], new HashKeyRange(1, 2));
        var response = new GetRecordsResponse([new KinesisRecord("1", DateTimeOffset.UnixEpoch, [1, 2, 3], "p")], null, 42, [child]);
        var fetchedAt = DateTimeOffset.UnixEpoch.AddSeconds(5);

        var page = FetchedPage.From("shardId-0", response, fetchedAt);

        Assert.Same(response.Records, page.Records);
        Assert.Same(response.ChildShards, page.ChildShards);
        Assert.Null(page.NextShardIterator);
        Assert.True(page.IsShardEnd);
        Assert.Equal(42, page.MillisBehindLatest);
        Assert.Equal(fetchedAt, page.FetchedAt);
        Assert.Equal(3 + 1 + 1, page.SizeBytes);
    }
}
