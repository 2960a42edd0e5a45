using Amazon.DynamoDBv2.Model;
using KinesisGrains.DynamoDb.Persistence;
using KinesisGrains.DynamoDb.Tests.Support;
using Xunit;

namespace KinesisGrains.DynamoDb.Tests;

public sealed class PersistentStateTests(DynaliteFixture fixture) : IClassFixture<DynaliteFixture>
{
    private const string GrainType = "alerts";

    [Fact]
    public async Task Read_of_a_missing_record_gives_a_fresh_state_and_no_record()
    {
        var state = fixture.Storage.GetState<AlertSettings>(GrainType, DynaliteFixture.NewKey());
        state.State.Name = "set before the read";

        await state.ReadStateAsync();

        Assert.False(state.RecordExists);
        Assert.Null(state.Etag);
        Assert.Equal("", state.State.Name);
        Assert.Empty(state.State.Recipients);
    }

    [Fact]
    public async Task Write_then_read_from_another_state_object_round_trips()
    {
        var key = DynaliteFixture.NewKey();
        var writer = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        var updatedAt = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.FromHours(2));
        writer.State = new AlertSettings
        {
            Name = "lag > 5 min",
            Threshold = 300.5,
            Enabled = true,
            Recipients = ["ops@example.com", "oncall@example.com"],
            Limits = new() { ["perHour"] = 4, ["perDay"] = 20 },
            UpdatedAt = updatedAt,
        };

        await writer.WriteStateAsync();
        var reader = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await reader.ReadStateAsync();

        Assert.True(writer.RecordExists);
        Assert.True(reader.RecordExists);
        Assert.NotNull(writer.Etag);
        Assert.Equal(writer.Etag, reader.Etag);
        Assert.Equal("lag > 5 min", reader.State.Name);
        Assert.Equal(300.5, reader.State.Threshold);
        Assert.True(reader.State.Enabled);
        Assert.Equal(["ops@example.com", "oncall@example.com"], reader.State.Recipients);
        Assert.Equal(20, reader.State.Limits["perDay"]);
        Assert.Equal(4, reader.State.Limits["perHour"]);
        Assert.Equal(updatedAt, reader.State.UpdatedAt);
        Assert.Equal(updatedAt.Offset, reader.State.UpdatedAt!.Value.Offset);
    }

    [Fact]
    public async Task Every_write_changes_the_etag_by_one_version()
    {
        var key = DynaliteFixture.NewKey();
        var state = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        var etags = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            state.State.Threshold = i;
            await state.WriteStateAsync();
            etags.Add(state.Etag!);
        }

        Assert.Equal(5, etags.Distinct().Count());
        for (var i = 1; i < etags.Count; i++)
        {
            Assert.Equal(long.Parse(etags[i - 1]) + 1, long.Parse(etags[i]));
        }

        var reader = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await reader.ReadStateAsync();
        Assert.Equal(etags[^1], reader.Etag);
        Assert.Equal(4, reader.State.Threshold);
    }

    [Fact]
    public async Task The_item_has_the_Orleans_layout_with_the_state_as_web_json()
    {
        var key = DynaliteFixture.NewKey();
        var state = fixture.Storage.GetState<AlertSettings>(GrainType, key, "settings");
        state.State.Name = "cpu";
        state.State.Enabled = true;
        await state.WriteStateAsync();

        var item = (await fixture.Client.GetItemAsync(new GetItemRequest
        {
            TableName = DynaliteFixture.SharedTable,
            Key = new()
            {
                ["GrainReference"] = new AttributeValue { S = $"{GrainType}/{key}" },
                ["GrainType"] = new AttributeValue { S = "settings" },
            },
            ConsistentRead = true,
        })).Item;

        Assert.NotNull(item);
        Assert.Equal(["ETag", "GrainReference", "GrainState", "GrainType"], item.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(state.Etag, item["ETag"].N);
        Assert.StartsWith("{\"name\":\"cpu\",", item["GrainState"].S, StringComparison.Ordinal);
        Assert.Contains("\"enabled\":true", item["GrainState"].S, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_deletes_the_record_and_a_later_read_gives_defaults()
    {
        var key = DynaliteFixture.NewKey();
        var state = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        state.State.Name = "to be cleared";
        await state.WriteStateAsync();

        await state.ClearStateAsync();

        Assert.False(state.RecordExists);
        Assert.Null(state.Etag);
        Assert.Equal("", state.State.Name);
        var reader = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await reader.ReadStateAsync();
        Assert.False(reader.RecordExists);
        Assert.Equal("", reader.State.Name);

        // Deleted, not a tombstone.
        var scan = await fixture.Client.ScanAsync(new ScanRequest
        {
            TableName = DynaliteFixture.SharedTable,
            FilterExpression = "GrainReference = :reference",
            ExpressionAttributeValues = new() { [":reference"] = new AttributeValue { S = $"{GrainType}/{key}" } },
        });
        Assert.Empty(scan.Items ?? []);
    }

    [Fact]
    public async Task A_cleared_state_can_be_written_again()
    {
        var key = DynaliteFixture.NewKey();
        var state = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await state.WriteStateAsync();
        await state.ClearStateAsync();

        state.State.Name = "again";
        await state.WriteStateAsync();

        var reader = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await reader.ReadStateAsync();
        Assert.True(reader.RecordExists);
        Assert.Equal("again", reader.State.Name);
    }

    [Fact]
    public async Task Same_key_under_other_grain_types_or_state_names_does_not_collide()
    {
        var key = DynaliteFixture.NewKey();
        var alerts = fixture.Storage.GetState<AlertSettings>("alerts", key);
        var settings = fixture.Storage.GetState<AlertSettings>("settings", key);
        var alertsHistory = fixture.Storage.GetState<AlertSettings>("alerts", key, "history");
        alerts.State.Name = "from alerts";
        settings.State.Name = "from settings";
        alertsHistory.State.Name = "from alerts history";

        // Each is a first write (attribute_not_exists), so a shared item would fail the second and third.
        await alerts.WriteStateAsync();
        await settings.WriteStateAsync();
        await alertsHistory.WriteStateAsync();

        foreach (var (type, stateName, expected) in new[]
        {
            ("alerts", "state", "from alerts"),
            ("settings", "state", "from settings"),
            ("alerts", "history", "from alerts history"),
        })
        {
            var reader = fixture.Storage.GetState<AlertSettings>(type, key, stateName);
            await reader.ReadStateAsync();
            Assert.Equal(expected, reader.State.Name);
        }

        var other = fixture.Storage.GetState<AlertSettings>("settings", key + "x");
        await other.ReadStateAsync();
        Assert.False(other.RecordExists);
    }

    [Fact]
    public void State_cannot_be_set_to_null()
    {
        var state = fixture.Storage.GetState<AlertSettings>(GrainType, DynaliteFixture.NewKey());

        Assert.Throws<ArgumentNullException>(() => state.State = null!);
        Assert.NotNull(state.State);
    }

    [Theory]
    [InlineData("", "key", "state")]
    [InlineData("a/b", "key", "state")]
    [InlineData("alerts", "key", "")]
    public void GetState_rejects_keys_that_would_be_ambiguous_or_empty(string grainType, string grainKey, string stateName) =>
        Assert.ThrowsAny<ArgumentException>(() => fixture.Storage.GetState<AlertSettings>(grainType, grainKey, stateName));

    [Fact]
    public void GetState_rejects_keys_over_the_DynamoDB_key_limits()
    {
        var longKey = Assert.Throws<ArgumentException>(() => fixture.Storage.GetState<AlertSettings>(GrainType, new string('k', 2048)));
        Assert.Contains("2048", longKey.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => fixture.Storage.GetState<AlertSettings>(GrainType, "key", new string('s', 1025)));

        // At the limits exactly, it is fine: "alerts/" plus 2041 bytes is 2048.
        fixture.Storage.GetState<AlertSettings>(GrainType, new string('k', 2048 - GrainType.Length - 1), new string('s', 1024));
    }

    [Fact]
    public async Task Keys_at_the_DynamoDB_limits_round_trip()
    {
        var key = new string('k', 2048 - GrainType.Length - 1);
        var stateName = new string('s', 1024);
        var state = fixture.Storage.GetState<AlertSettings>(GrainType, key, stateName);
        state.State.Name = "long keys";
        await state.WriteStateAsync();

        var reader = fixture.Storage.GetState<AlertSettings>(GrainType, key, stateName);
        await reader.ReadStateAsync();

        Assert.Equal("long keys", reader.State.Name);
        await reader.ClearStateAsync();
    }
}
