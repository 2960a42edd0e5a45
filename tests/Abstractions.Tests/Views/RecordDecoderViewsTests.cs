using System.Globalization;
using System.Text.Json;
using KinesisGrains.Abstractions.Partitions;
using KinesisGrains.Abstractions.Serialization;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Abstractions.Views;
using KinesisGrains.Grains.UserActivity;
using Xunit;

namespace KinesisGrains.Tests.Views;

/// <summary>How the decoder routes one read into lanes: the primary view, a view by key, a spread view; From per lane; rejections once.</summary>
public sealed class RecordDecoderViewsTests
{
    private const int Partitions = 4;
    private static readonly PartitionMap Map = new(Partitions);
    private static readonly StreamLanes Lanes = new("clicks", ["by-type", "total"], Partitions);

    private static RecordDecoder<ClickEvent> Decoder() => new(
        new JsonMessageHandler<ClickEvent>(),
        Map,
        views: [new KeyedView<ClickEvent>("by-type", c => c.Type), new KeyedView<ClickEvent>("total", _ => "all", KeyedViewRouting.Spread)]);

    private static StreamRecord Record(int n, string user, string type, long bytes = 10) => Record(
        n, user, JsonSerializer.SerializeToUtf8Bytes(new ClickEvent(user, type, bytes, DateTimeOffset.UnixEpoch), StateSerializer.Options));

    private static StreamRecord Record(int n, string partitionKey, byte[] data) =>
        new(data, partitionKey, n.ToString("D5", CultureInfo.InvariantCulture), 0, null, DateTimeOffset.UnixEpoch, "shardId-000000000000");

    private static ShardPosition P(int n) => new(n.ToString("D5", CultureInfo.InvariantCulture), 0);

    [Fact]
    public void An_event_goes_to_its_users_partition_its_types_partition_in_the_by_type_view_and_its_users_partition_in_the_spread_view()
    {
        var decoder = Decoder();
        Assert.True(decoder.Add(Record(1, "user-1", "purchase")));
        var batches = new List<LaneBatch>();
        decoder.Build("shardId-000000000000", P(1), _ => null, batches);

        var user = Map.GetPartition("user-1");
        var type = Map.GetPartition("purchase");
        Assert.Equal([Lanes.LaneOf(0, user), Lanes.LaneOf(1, type), Lanes.LaneOf(2, user)], batches.Select(b => b.Lane));
        Assert.Equal(["user-1", "purchase", "all"], batches.Select(b => Assert.Single(((KeyedEventBatch<ClickEvent>)b.Batch).Events).Key));
        Assert.Equal([user, type, user], batches.Select(b => b.Batch.Partition));
        Assert.All(batches, b => Assert.Equal(P(1), b.Batch.To));

        // Only the spread lane's events are keyed otherwise than routed: it names the primary key that routed each.
        Assert.Equal([null, null, ["user-1"]], batches.Select(b => ((KeyedEventBatch<ClickEvent>)b.Batch).RoutingKeys));
    }

    [Fact]
    public void A_spread_lanes_routing_keys_follow_its_events_across_builds()
    {
        var decoder = Decoder();
        var users = Enumerable.Range(0, 40).Select(i => $"user-{i}").ToList();
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < users.Count; i++)
            {
                Assert.True(decoder.Add(Record((round * 100) + i + 1, users[i], "view")));
            }

            var batches = new List<LaneBatch>();
            decoder.Build("shardId-000000000000", P((round * 100) + users.Count), _ => null, batches);
            foreach (var batch in batches.Where(b => b.Lane >= Lanes.LaneOf(2, 0)).Select(b => (KeyedEventBatch<ClickEvent>)b.Batch))
            {
                Assert.Equal(batch.Events.Select(e => e.Item.UserId), batch.RoutingKeys!);
                Assert.All(batch.RoutingKeys!, user => Assert.Equal(batch.Partition, Map.GetPartition(user)));
            }
        }
    }

    [Fact]
    public void A_spread_view_puts_one_key_in_every_partition_its_primary_keys_reach()
    {
        var decoder = Decoder();
        var users = Enumerable.Range(0, 200).Select(i => $"user-{i}").ToList();
        for (var i = 0; i < users.Count; i++)
        {
            decoder.Add(Record(i + 1, users[i], "view"));
        }

        var batches = new List<LaneBatch>();
        decoder.Build("shardId-000000000000", P(users.Count), _ => null, batches);
        var total = batches.Where(b => Lanes.ViewOf(b.Lane) == 2).ToList();
        Assert.Equal(Enumerable.Range(0, Partitions), total.Select(b => b.Batch.Partition));
        foreach (var batch in total)
        {
            var events = ((KeyedEventBatch<ClickEvent>)batch.Batch).Events;
            Assert.All(events, e => Assert.Equal("all", e.Key));
            Assert.Equal(users.Count(u => Map.GetPartition(u) == batch.Batch.Partition), events.Length);
        }

        // The by-type view routes by its key: every "view" event is in the one partition of "view".
        Assert.Equal(users.Count, ((KeyedEventBatch<ClickEvent>)Assert.Single(batches, b => Lanes.ViewOf(b.Lane) == 1).Batch).Events.Length);
    }

    [Fact]
    public void Each_lane_starts_where_its_own_last_batch_ended()
    {
        var decoder = Decoder();
        decoder.Add(Record(7, "user-1", "click"));
        var batches = new List<LaneBatch>();
        decoder.Build("shardId-000000000000", P(7), lane => P(100 + lane), batches);

        Assert.Equal(3, batches.Count);
        Assert.All(batches, b => Assert.Equal(P(100 + b.Lane), b.Batch.From));
    }

    [Fact]
    public void Every_lane_carries_the_shards_watermark_and_a_watermark_update_goes_on_a_views_lane()
    {
        var decoder = Decoder();
        var watermark = DateTimeOffset.UnixEpoch.AddMinutes(5);
        decoder.Add(Record(1, "user-1", "click"));
        var batches = new List<LaneBatch>();
        decoder.Build("shardId-000000000000", P(1), _ => null, batches, watermark, shardIdle: true);
        Assert.Equal(3, batches.Count);
        Assert.All(batches, b => Assert.Equal((watermark, true), (b.Batch.Watermark, b.Batch.ShardIdle)));

        var lane = Lanes.LaneOf(2, 3);
        var update = decoder.BuildWatermarkUpdate("shardId-000000000000", lane, P(1), P(4), watermark, shardIdle: false);
        Assert.Equal((lane, 3, P(1), P(4), 0), (update.Lane, update.Batch.Partition, update.Batch.From, update.Batch.To, update.Batch.Count));
    }

    [Fact]
    public void A_rejected_record_travels_in_the_primary_view_only()
    {
        var decoder = Decoder();
        Assert.False(decoder.Add(Record(1, "user-9", "{not json"u8.ToArray())));
        var batches = new List<LaneBatch>();
        decoder.Build("shardId-000000000000", P(1), _ => null, batches);

        var only = Assert.Single(batches);
        Assert.Equal(Lanes.LaneOf(0, Map.GetPartition("user-9")), only.Lane);
        Assert.Equal("00001", Assert.Single(only.Batch.Rejected).Info.Token.SequenceNumber);
        Assert.Equal(0, only.Batch.Count);
    }

    [Fact]
    public void A_key_selector_that_throws_or_gives_no_key_rejects_the_record_in_every_view()
    {
        var decoder = new RecordDecoder<ClickEvent>(
            new JsonMessageHandler<ClickEvent>(),
            Map,
            views: [new KeyedView<ClickEvent>("by-type", c => c.Type == "bad" ? throw new FormatException("no type") : c.Type), new KeyedView<ClickEvent>("nothing", c => c.Bytes < 0 ? null! : "x")]);
        Assert.False(decoder.Add(Record(1, "user-1", "bad")));
        Assert.False(decoder.Add(Record(2, "user-2", "click", bytes: -1)));
        Assert.True(decoder.Add(Record(3, "user-3", "click")));
        var batches = new List<LaneBatch>();
        decoder.Build("shardId-000000000000", P(3), _ => null, batches);

        // Record 3 in three lanes, and no lane holds an event of record 1 or 2: a record is in every view or none.
        var events = batches.SelectMany(b => ((KeyedEventBatch<ClickEvent>)b.Batch).Events).ToList();
        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.Equal("user-3", e.Item.UserId));
        var rejected = batches.SelectMany(b => b.Batch.Rejected).OrderBy(r => r.Info.Token).ToList();
        Assert.Equal(2, rejected.Count);
        Assert.Contains("view 'by-type' threw FormatException: no type", rejected[0].Reason);
        Assert.Contains("view 'nothing' returned no key", rejected[1].Reason);
        Assert.All(batches.Where(b => b.Batch.Rejected.Length > 0), b => Assert.Equal(0, Lanes.ViewOf(b.Lane)));
    }

    [Fact]
    public void Without_views_a_lane_is_a_partition()
    {
        var decoder = new RecordDecoder<ClickEvent>(new JsonMessageHandler<ClickEvent>(), Map);
        decoder.Add(Record(1, "user-1", "click"));
        var batches = new List<LaneBatch>();
        decoder.Build("shardId-000000000000", P(1), _ => null, batches);

        var only = Assert.Single(batches);
        Assert.Equal(Map.GetPartition("user-1"), only.Lane);
        Assert.Equal(only.Lane, only.Batch.Partition);
    }
}
