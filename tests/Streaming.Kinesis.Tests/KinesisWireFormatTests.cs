using System.Net;
using System.Text.Json;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Tests.Support;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>What goes on the wire and how responses are read, against a stub handler.</summary>
public sealed class KinesisWireFormatTests
{
    [Fact]
    public async Task AT_TIMESTAMP_sends_epoch_seconds_with_milliseconds_and_the_stream_name()
    {
        var (client, handler) = Create((_, _) => StubHttpHandler.Json(HttpStatusCode.OK, """{"ShardIterator":"it-1"}"""));
        using var _ = client;

        var iterator = await client.GetShardIteratorAsync(
            "orders", "shardId-000000000001", ShardIteratorType.AtTimestamp, timestamp: DateTimeOffset.FromUnixTimeMilliseconds(1795316682194));

        Assert.Equal("it-1", iterator);
        var body = handler.Requests.Single().Body;
        Assert.Contains("\"Timestamp\":1795316682.194", body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("orders", json.RootElement.GetProperty("StreamName").GetString());
        Assert.Equal("AT_TIMESTAMP", json.RootElement.GetProperty("ShardIteratorType").GetString());
        Assert.False(json.RootElement.TryGetProperty("StartingSequenceNumber", out var _));
    }

    [Theory]
    [InlineData(ShardIteratorType.AtSequenceNumber)]
    [InlineData(ShardIteratorType.AfterSequenceNumber)]
    [InlineData(ShardIteratorType.AtTimestamp)]
    public async Task Iterator_types_that_need_a_position_are_checked_before_sending(ShardIteratorType type)
    {
        var (client, handler) = Create((_, _) => StubHttpHandler.Json(HttpStatusCode.OK, """{"ShardIterator":"x"}"""));
        using var _ = client;

        await Assert.ThrowsAsync<ArgumentException>(() => client.GetShardIteratorAsync("orders", "shardId-000000000000", type));
        Assert.Equal(0, handler.Calls);
    }

    [Fact]
    public async Task ListShards_follows_NextToken_without_StreamName()
    {
        var (client, handler) = Create((call, _) => StubHttpHandler.Json(HttpStatusCode.OK, call switch
        {
            0 => """{"Shards":[{"ShardId":"shardId-000000000000","HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"170141183460469231731687303715884105727"},"SequenceNumberRange":{"StartingSequenceNumber":"49"}}],"NextToken":"token-1"}""",
            _ => """{"Shards":[{"ShardId":"shardId-000000000001","ParentShardId":null,"HashKeyRange":{"StartingHashKey":"170141183460469231731687303715884105728","EndingHashKey":"340282366920938463463374607431768211455"},"SequenceNumberRange":{"StartingSequenceNumber":"50","EndingSequenceNumber":"60"}}],"NextToken":null}""",
        }), pageSize: 1);
        using var _ = client;

        var shards = await client.ListShardsAsync("orders", new ShardFilter(ShardFilterType.AtLatest));

        Assert.Equal(new[] { "shardId-000000000000", "shardId-000000000001" }, shards.Select(s => s.ShardId));
        Assert.Equal(UInt128.MaxValue, shards[1].HashKeyRange.EndingHashKey);
        Assert.Equal(UInt128.MaxValue / 2 + 1, shards[1].HashKeyRange.StartingHashKey);
        Assert.False(shards[0].SequenceNumberRange.IsClosed);
        Assert.True(shards[1].SequenceNumberRange.IsClosed);

        using var first = JsonDocument.Parse(handler.Requests[0].Body);
        Assert.Equal("orders", first.RootElement.GetProperty("StreamName").GetString());
        Assert.Equal("AT_LATEST", first.RootElement.GetProperty("ShardFilter").GetProperty("Type").GetString());
        Assert.Equal(1, first.RootElement.GetProperty("MaxResults").GetInt32());
        using var second = JsonDocument.Parse(handler.Requests[1].Body);
        Assert.Equal("token-1", second.RootElement.GetProperty("NextToken").GetString());
        Assert.False(second.RootElement.TryGetProperty("StreamName", out var _));
        Assert.False(second.RootElement.TryGetProperty("ShardFilter", out var _));
    }

    [Fact]
    public async Task GetRecords_reads_base64_data_fractional_timestamps_and_child_shards()
    {
        var (client, handler) = Create((_, _) => StubHttpHandler.Json(HttpStatusCode.OK, """
            {"Records":[{"SequenceNumber":"4959","ApproximateArrivalTimestamp":1795316682.194,"Data":"AAH/","PartitionKey":"pk","EncryptionType":"NONE"}],
             "NextShardIterator":null,"MillisBehindLatest":1234,
             "ChildShards":[{"ShardId":"shardId-000000000002","ParentShards":["shardId-000000000000"],"HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"10"}}]}
            """));
        using var _ = client;

        var page = await client.GetRecordsAsync("iterator", limit: 7);

        var record = Assert.Single(page.Records);
        Assert.Equal(new byte[] { 0, 1, 255 }, record.Data);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1795316682194), record.ApproximateArrivalTimestamp);
        Assert.Equal("NONE", record.EncryptionType);
        Assert.True(page.IsShardEnd);
        Assert.Equal(1234, page.MillisBehindLatest);
        var child = Assert.Single(page.ChildShards);
        Assert.Equal(new[] { "shardId-000000000000" }, child.ParentShards);
        Assert.Equal((UInt128)10, child.HashKeyRange.EndingHashKey);
        Assert.Contains("\"Limit\":7", handler.Requests.Single().Body);
    }

    [Fact]
    public async Task Explicit_nulls_become_empty_lists()
    {
        var (client, _) = Create((_, _) => StubHttpHandler.Json(HttpStatusCode.OK, """{"Records":[],"NextShardIterator":"next","MillisBehindLatest":0,"ChildShards":null}"""));
        using var _ = client;

        var page = await client.GetRecordsAsync("iterator");

        Assert.Empty(page.ChildShards);
        Assert.False(page.IsShardEnd);
    }

    [Fact]
    public async Task PutRecords_sends_base64_data_and_omits_a_missing_ExplicitHashKey()
    {
        var (client, handler) = Create((_, _) => StubHttpHandler.Json(HttpStatusCode.OK, """
            {"FailedRecordCount":1,"Records":[{"SequenceNumber":"1","ShardId":"shardId-000000000000"},{"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"slow down"}]}
            """));
        using var _ = client;

        var response = await client.PutRecordsAsync("orders", [new(new byte[] { 0, 1, 255 }, "a"), new("hi"u8.ToArray(), "b", "42")]);

        Assert.Equal(1, response.FailedRecordCount);
        Assert.True(response.Records[0].IsSuccess);
        Assert.False(response.Records[1].IsSuccess);
        Assert.Equal("ProvisionedThroughputExceededException", response.Records[1].ErrorCode);
        using var json = JsonDocument.Parse(handler.Requests.Single().Body);
        var entries = json.RootElement.GetProperty("Records");
        Assert.Equal("AAH/", entries[0].GetProperty("Data").GetString());
        Assert.False(entries[0].TryGetProperty("ExplicitHashKey", out var _));
        Assert.Equal("42", entries[1].GetProperty("ExplicitHashKey").GetString());
        Assert.Equal("orders", json.RootElement.GetProperty("StreamName").GetString());
    }

    [Theory]
    [InlineData("1795316682.194", 1795316682194)]
    [InlineData("1795316682", 1795316682000)]
    public async Task DescribeStreamSummary_reads_both_emulators_timestamp_styles(string timestamp, long expectedMilliseconds)
    {
        var (client, _) = Create((_, _) => StubHttpHandler.Json(HttpStatusCode.OK, $$$"""
            {"StreamDescriptionSummary":{"StreamName":"orders","StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/orders","StreamStatus":"UPDATING",
             "StreamModeDetails":{"StreamMode":"PROVISIONED"},"StreamCreationTimestamp":{{{timestamp}}},"KeyId":null,"OpenShardCount":3,"RetentionPeriodHours":24,"ConsumerCount":0}}
            """));
        using var _ = client;

        var summary = await client.DescribeStreamSummaryAsync("orders");

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(expectedMilliseconds), summary.StreamCreationTimestamp);
        Assert.Equal(StreamStatus.Updating, summary.StreamStatus);
        Assert.Equal("arn:aws:kinesis:us-east-1:000000000000:stream/orders", summary.StreamArn);
        Assert.Equal(3, summary.OpenShardCount);
    }

    [Fact]
    public async Task SplitShard_sends_the_hash_key_as_a_decimal_string()
    {
        var (client, handler) = Create((_, _) => StubHttpHandler.Empty(HttpStatusCode.OK));
        using var _ = client;

        await client.SplitShardAsync("orders", "shardId-000000000000", UInt128.MaxValue);

        Assert.Equal("Kinesis_20131202.SplitShard", handler.Requests.Single().Headers["X-Amz-Target"]);
        Assert.Contains("\"NewStartingHashKey\":\"340282366920938463463374607431768211455\"", handler.Requests.Single().Body);
    }

    private static (KinesisClient Client, StubHttpHandler Handler) Create(Func<int, CapturedRequest, HttpResponseMessage> respond, int pageSize = 1000)
    {
        var handler = new StubHttpHandler(respond);
        var options = TestOptions.For(new Uri("http://kinesis.test/"));
        options.ListShardsPageSize = pageSize;
        options.MaxAttempts = 1;
        return (new KinesisClient(options, handler), handler);
    }
}
