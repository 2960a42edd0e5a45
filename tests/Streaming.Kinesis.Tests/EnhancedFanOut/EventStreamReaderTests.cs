using System.Buffers.Binary;
using System.Net;
using System.Text;
using KinesisGrains.Kinesis.Client;
using Xunit;
using static KinesisGrains.Tests.EnhancedFanOut.EventStreamFrames;

namespace KinesisGrains.Tests.EnhancedFanOut;

/// <summary>The event-stream reader against frames built independently (<see cref="EventStreamFrames"/>).</summary>
public sealed class EventStreamReaderTests
{
    [Fact]
    public void Decodes_every_header_type_and_the_payload()
    {
        var uuid = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        var int64 = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(int64, -5_000_000_000L);
        var int32 = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(int32, 70_000);
        var int16 = new byte[2];
        BinaryPrimitives.WriteInt16BigEndian(int16, -2);
        var timestamp = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(timestamp, 1_795_316_682_194L);
        var buffer = new byte[] { 0, 3, 0xde, 0xad, 0xbf };
        var frame = Frame(
            [
                String(":message-type", "event"),
                ("yes", 0, []),
                ("no", 1, []),
                ("b", 2, [0x7f]),
                ("s", 3, int16),
                ("i", 4, int32),
                ("l", 5, int64),
                ("buf", 6, buffer),
                ("t", 8, timestamp),
                ("u", 9, [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]),
                String("ünïcode", "wert ✓"),
            ],
            Encoding.UTF8.GetBytes("{\"x\":1}"));

        var message = EventStreamReader.Decode(frame);

        Assert.Equal("event", message.MessageType);
        Assert.Equal(true, message.Headers["yes"]);
        Assert.Equal(false, message.Headers["no"]);
        Assert.Equal((byte)0x7f, message.Headers["b"]);
        Assert.Equal((short)-2, message.Headers["s"]);
        Assert.Equal(70_000, message.Headers["i"]);
        Assert.Equal(-5_000_000_000L, message.Headers["l"]);
        Assert.Equal(new byte[] { 0xde, 0xad, 0xbf }, (byte[])message.Headers["buf"]);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_795_316_682_194L), message.Headers["t"]);
        Assert.Equal(uuid, message.Headers["u"]);
        Assert.Equal("wert ✓", message.StringHeader("ünïcode"));
        Assert.Equal("{\"x\":1}", Encoding.UTF8.GetString(message.Payload.Span));
    }

    [Fact]
    public async Task Reads_messages_split_across_reads_then_ends_cleanly()
    {
        byte[][] frames = [Event("initial-response", "{}"), Event("SubscribeToShardEvent", "{\"a\":\"" + new string('x', 300) + "\"}"), Exception("ResourceInUseException", "busy")];
        var stream = new TrickleStream([.. frames.SelectMany(f => f)], [1, 7, 2, 13, 5]);
        var reader = new EventStreamReader(stream);

        var first = await reader.ReadAsync();
        var second = await reader.ReadAsync();
        var third = await reader.ReadAsync();
        var end = await reader.ReadAsync();

        Assert.Equal("initial-response", first!.EventType);
        Assert.Equal("SubscribeToShardEvent", second!.EventType);
        Assert.Equal(308, second.Payload.Length);
        Assert.Equal("ResourceInUseException", third!.ExceptionType);
        Assert.Null(end);
        Assert.True(stream.Reads > frames.Length * 3, $"the frames came in {stream.Reads} reads");
    }

    [Fact]
    public async Task A_bad_prelude_crc_is_rejected_before_anything_else_is_read()
    {
        var frame = Event("SubscribeToShardEvent", "{}");
        frame[3] ^= 0x01; // total length changed, prelude CRC left as it was

        var error = await Assert.ThrowsAsync<EventStreamFormatException>(async () => await new EventStreamReader(new MemoryStream(frame)).ReadAsync());

        Assert.Contains("Prelude CRC32 mismatch", error.Message);
    }

    [Fact]
    public async Task A_bad_message_crc_is_rejected()
    {
        var frame = Event("SubscribeToShardEvent", "{\"ContinuationSequenceNumber\":\"1\"}");
        frame[^8] ^= 0x20; // a payload byte

        var error = await Assert.ThrowsAsync<EventStreamFormatException>(async () => await new EventStreamReader(new MemoryStream(frame)).ReadAsync());

        Assert.Contains("Message CRC32 mismatch", error.Message);
    }

    [Fact]
    public async Task A_stream_ending_inside_a_message_is_an_error_not_an_end()
    {
        var frame = Event("SubscribeToShardEvent", "{}");

        var error = await Assert.ThrowsAsync<EventStreamFormatException>(async () => await new EventStreamReader(new MemoryStream(frame[..^3])).ReadAsync());

        Assert.Contains("ended inside a message", error.Message);
    }

    [Fact]
    public async Task A_huge_length_is_refused_before_allocating()
    {
        var prelude = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(prelude, 1u << 30);
        BinaryPrimitives.WriteUInt32BigEndian(prelude.AsSpan(4), 0);
        BinaryPrimitives.WriteUInt32BigEndian(prelude.AsSpan(8), Crc32(prelude.AsSpan(0, 8)));

        var error = await Assert.ThrowsAsync<EventStreamFormatException>(async () => await new EventStreamReader(new MemoryStream(prelude)).ReadAsync());

        Assert.Contains("outside 16..", error.Message);
    }

    [Fact]
    public async Task Headers_longer_than_the_message_are_refused()
    {
        var frame = Event("SubscribeToShardEvent", "{}");
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)frame.Length);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), Crc32(frame.AsSpan(0, 8)));

        var error = await Assert.ThrowsAsync<EventStreamFormatException>(async () => await new EventStreamReader(new MemoryStream(frame)).ReadAsync());

        Assert.Contains("do not fit a message", error.Message);
    }

    [Fact]
    public async Task A_subscription_skips_initial_response_parses_events_and_throws_exception_messages()
    {
        var payload = """
            {"Records":[{"SequenceNumber":"4960","ApproximateArrivalTimestamp":1795316682.194,"Data":"aGVsbG8=","PartitionKey":"k1"}],
             "ContinuationSequenceNumber":"4960","MillisBehindLatest":12,"ChildShards":null}
            """;
        byte[] body = [.. Event("initial-response", "{}"), .. Event("SubscribeToShardEvent", payload), .. Exception("ResourceInUseException", "Another subscription is active")];
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new TrickleStream(body, [5, 11])) };
        await using var subscription = await ShardSubscriptionFactory.OpenAsync(response, "shardId-000000000000", new StartingPosition(ShardIteratorType.TrimHorizon));

        var first = await subscription.ReadEventAsync();
        var error = await Assert.ThrowsAsync<KinesisResourceInUseException>(async () => await subscription.ReadEventAsync());

        var record = Assert.Single(first!.Records);
        Assert.Equal("4960", record.SequenceNumber);
        Assert.Equal("hello", Encoding.UTF8.GetString(record.Data));
        Assert.Equal("k1", record.PartitionKey);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_795_316_682_194L), record.ApproximateArrivalTimestamp);
        Assert.Equal("4960", first.ContinuationSequenceNumber);
        Assert.Equal(12, first.MillisBehindLatest);
        Assert.False(first.IsShardEnd);
        Assert.Equal("SubscribeToShard", error.Operation);
        Assert.Equal("Another subscription is active", error.ServiceMessage);
    }

    [Fact]
    public async Task An_event_without_continuation_but_with_children_is_the_shard_end()
    {
        var payload = """
            {"Records":[],"ContinuationSequenceNumber":null,"MillisBehindLatest":0,
             "ChildShards":[{"ShardId":"shardId-000000000002","ParentShards":["shardId-000000000000"],"HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"100"}}]}
            """;
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Event("SubscribeToShardEvent", payload)) };
        await using var subscription = await ShardSubscriptionFactory.OpenAsync(response, "shardId-000000000000", new StartingPosition(ShardIteratorType.TrimHorizon));

        var last = await subscription.ReadEventAsync();
        var end = await subscription.ReadEventAsync();

        Assert.True(last!.IsShardEnd);
        Assert.Equal("shardId-000000000002", Assert.Single(last.ChildShards).ShardId);
        Assert.Null(end);
    }
}
