using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Abstractions.Partitions;
using KinesisGrains.Abstractions.Serialization;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Grains.UserActivity;
using Xunit;

namespace KinesisGrains.Tests.Streams;

/// <summary>Each decoded event's event time: the record's arrival time, or the extractor's; an extractor that fails rejects the record.</summary>
public sealed class RecordDecoderEventTimeTests
{
    private static readonly DateTimeOffset s_arrival = DateTimeOffset.Parse("2026-11-29T12:00:00Z");
    private static readonly DateTimeOffset s_clicked = DateTimeOffset.Parse("2026-11-29T10:00:00Z");

    [Fact]
    public void Without_an_extractor_an_events_time_is_its_records_arrival_time()
    {
        var decoder = Decoder(eventTime: null);
        Assert.True(decoder.Add(Record(new ClickEvent("u1", "view", 1, s_clicked), "1")));

        var batch = Build(decoder);
        var info = Assert.Single(batch.Events).Info;
        Assert.Equal(s_arrival, info.EventTime);
        Assert.Equal(info, new StreamEventInfo(info.ShardId, info.Token, info.PartitionKey, info.ArrivalTime));   // nothing extra carried
    }

    [Fact]
    public void With_an_extractor_an_events_time_is_what_it_takes_from_the_event()
    {
        var decoder = Decoder(e => e.Timestamp);
        Assert.True(decoder.Add(Record(new ClickEvent("u1", "view", 1, s_clicked), "1")));
        Assert.True(decoder.Add(Record(new ClickEvent("u2", "view", 1, s_clicked.AddSeconds(-30)), "2")));

        Assert.Equal((2L, s_clicked.AddSeconds(-30), s_clicked), (decoder.EventTimes.Count, decoder.EventTimes.Min, decoder.EventTimes.Max));
        var batch = Build(decoder);
        Assert.Equal([s_clicked, s_clicked.AddSeconds(-30)], batch.Events.Select(e => e.Info.EventTime));
        Assert.All(batch.Events, e => Assert.Equal(s_arrival, e.Info.ArrivalTime));
    }

    [Fact]
    public void An_extractor_that_throws_or_finds_no_time_rejects_the_record_with_the_reason()
    {
        var decoder = Decoder(e => e.Type == "bad" ? throw new FormatException("no time in it") : e.Timestamp);
        Assert.False(decoder.Add(Record(new ClickEvent("u1", "bad", 1, s_clicked), "1")));
        Assert.False(decoder.Add(Record(new ClickEvent("u2", "view", 1, default), "2")));
        Assert.True(decoder.Add(Record(new ClickEvent("u3", "view", 1, s_clicked), "3")));

        var batch = Build(decoder);
        Assert.Equal("u3", Assert.Single(batch.Events).Key);
        Assert.Equal(
            ["event-time extractor threw FormatException: no time in it", "event-time extractor returned no time (default DateTimeOffset)"],
            batch.Rejected.Select(r => r.Reason));
        Assert.Equal(1, decoder.EventTimes.Count);   // rejected records carry no event time
    }

    [Fact]
    public void Every_batch_carries_the_shards_watermark_and_idle_flag_and_a_watermark_update_has_no_events()
    {
        var decoder = Decoder(e => e.Timestamp);
        decoder.Add(Record(new ClickEvent("u1", "view", 1, s_clicked), "1"));
        var batch = Build(decoder, watermark: s_clicked.AddSeconds(-5));
        Assert.Equal((s_clicked.AddSeconds(-5), false), (batch.Watermark, batch.ShardIdle));

        var to = new ShardPosition("9", 0);
        var update = Assert.IsType<KeyedEventBatch<ClickEvent>>(
            decoder.BuildWatermarkUpdate("shard-0", 0, new ShardPosition("1", 0), to, s_clicked, shardIdle: true).Batch);
        Assert.Equal(("shard-0", 0, new ShardPosition("1", 0), to), (update.ShardId, update.Partition, update.From, update.To));
        Assert.Equal((s_clicked, true, 0, 0), (update.Watermark!.Value, update.ShardIdle, update.Count, update.Rejected.Length));
    }

    [Fact]
    public void Event_time_stats_drain_into_totals_and_start_again()
    {
        var read = new EventTimeStats();
        read.Observe(s_clicked);
        read.Observe(s_clicked.AddSeconds(3));
        var totals = new EventTimeStats();
        totals.Observe(s_clicked.AddSeconds(-1));

        read.DrainInto(totals);

        Assert.Equal((0L, (DateTimeOffset?)null), (read.Count, read.Max));
        Assert.Equal((3L, s_clicked.AddSeconds(-1), s_clicked.AddSeconds(3)), (totals.Count, totals.Min!.Value, totals.Max!.Value));
        Assert.Equal(s_clicked.AddSeconds(2.0 / 3), totals.Average!.Value, TimeSpan.FromMilliseconds(1));
    }

    private static RecordDecoder<ClickEvent> Decoder(Func<ClickEvent, DateTimeOffset>? eventTime) =>
        new(new JsonMessageHandler<ClickEvent>(), new PartitionMap(1), eventTime: eventTime);

    private static StreamRecord Record(ClickEvent click, string sequenceNumber) =>
        new(StateSerializer.Serialize(click), click.UserId, sequenceNumber, 0, null, s_arrival, "shard-0");

    private static KeyedEventBatch<ClickEvent> Build(RecordDecoder decoder, DateTimeOffset? watermark = null)
    {
        var output = new List<LaneBatch>();
        decoder.Build("shard-0", new ShardPosition("3", 0), _ => null, output, watermark);
        return Assert.IsType<KeyedEventBatch<ClickEvent>>(Assert.Single(output).Batch);
    }
}
