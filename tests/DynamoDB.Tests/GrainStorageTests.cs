using System.Text;
using Amazon.DynamoDBv2.Model;
using KinesisGrains.DynamoDB.Tests.Support;
using Orleans.Runtime;
using Orleans.Storage;
using Xunit;

namespace KinesisGrains.DynamoDB.Tests;

/// <summary>Read, write and clear through <see cref="IGrainStorage"/>, as a grain's state bridge calls them.</summary>
public sealed class GrainStorageTests(DynaliteFixture fixture) : IClassFixture<DynaliteFixture>
{
    private const string StateName = "settings";

    private IGrainStorage Storage => fixture.Storage;

    [Fact]
    public async Task Read_of_a_missing_item_gives_a_fresh_state_and_no_etag()
    {
        var state = DynaliteFixture.NewState();
        state.State.Name = "set before the read";
        state.ETag = "12";
        state.RecordExists = true;

        await Storage.ReadStateAsync(StateName, DynaliteFixture.NewGrainId(), state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal("", state.State.Name);
        Assert.Empty(state.State.Recipients);
    }

    [Fact]
    public async Task Write_then_read_into_another_state_round_trips()
    {
        var grainId = DynaliteFixture.NewGrainId();
        var updatedAt = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.FromHours(2));
        var written = DynaliteFixture.NewState();
        written.State = new AlertSettings
        {
            Name = "lag > 5 min",
            Threshold = 300.5,
            Enabled = true,
            Recipients = ["ops@example.com", "oncall@example.com"],
            Limits = new() { ["perHour"] = 4, ["perDay"] = 20 },
            UpdatedAt = updatedAt,
        };

        await Storage.WriteStateAsync(StateName, grainId, written);
        var read = DynaliteFixture.NewState();
        await Storage.ReadStateAsync(StateName, grainId, read);

        Assert.True(written.RecordExists);
        Assert.True(read.RecordExists);
        Assert.NotNull(written.ETag);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal("lag > 5 min", read.State.Name);
        Assert.Equal(300.5, read.State.Threshold);
        Assert.True(read.State.Enabled);
        Assert.Equal(["ops@example.com", "oncall@example.com"], read.State.Recipients);
        Assert.Equal(20, read.State.Limits["perDay"]);
        Assert.Equal(4, read.State.Limits["perHour"]);
        Assert.Equal(updatedAt, read.State.UpdatedAt);
        Assert.Equal(updatedAt.Offset, read.State.UpdatedAt!.Value.Offset);
    }

    [Fact]
    public async Task Every_write_moves_the_etag_on_by_one_version()
    {
        var grainId = DynaliteFixture.NewGrainId();
        var state = DynaliteFixture.NewState();
        var etags = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            state.State.Threshold = i;
            await Storage.WriteStateAsync(StateName, grainId, state, CancellationToken.None);
            etags.Add(state.ETag!);
        }

        for (var i = 1; i < etags.Count; i++)
        {
            Assert.Equal(long.Parse(etags[i - 1]) + 1, long.Parse(etags[i]));
        }

        // Orleans' own provider parses etags as int: a new item starts low enough for it.
        Assert.InRange(long.Parse(etags[0]), 1, 1L << 30);
        var read = DynaliteFixture.NewState();
        await Storage.ReadStateAsync(StateName, grainId, read);
        Assert.Equal(etags[^1], read.ETag);
        Assert.Equal(4, read.State.Threshold);
    }

    [Fact]
    public async Task The_item_has_the_Orleans_layout_with_the_serialized_state_in_binary()
    {
        var grainId = DynaliteFixture.NewGrainId();
        var state = DynaliteFixture.NewState();
        state.State.Name = "cpu";
        state.State.Enabled = true;

        await Storage.WriteStateAsync(StateName, grainId, state);

        var item = await fixture.ItemAsync(grainId, StateName);
        Assert.NotNull(item);
        Assert.Equal(["ETag", "GrainReference", "GrainState", "GrainType"], item.Keys.Order(StringComparer.Ordinal));
        Assert.Equal($"{DynaliteFixture.ServiceId}_alerts/{grainId.Key}", item["GrainReference"].S);
        Assert.Equal(StateName, item["GrainType"].S);
        Assert.Equal(state.ETag, item["ETag"].N);
        var json = Encoding.UTF8.GetString(item["GrainState"].B.ToArray());
        Assert.StartsWith("{\"Name\":\"cpu\",", json, StringComparison.Ordinal);
        Assert.Contains("\"Enabled\":true", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_keeps_the_item_without_state_and_a_new_etag_by_default()
    {
        var grainId = DynaliteFixture.NewGrainId();
        var state = DynaliteFixture.NewState();
        state.State.Name = "to be cleared";
        await Storage.WriteStateAsync(StateName, grainId, state);
        var writtenEtag = long.Parse(state.ETag!);

        await Storage.ClearStateAsync(StateName, grainId, state);

        Assert.False(state.RecordExists);
        Assert.Equal((writtenEtag + 1).ToString(), state.ETag);
        Assert.Equal("", state.State.Name);
        var item = await fixture.ItemAsync(grainId, StateName);
        Assert.NotNull(item);
        Assert.True(item["GrainState"].NULL);
        Assert.Equal(state.ETag, item["ETag"].N);

        // A reader sees no state, but gets the etag, so its next write is still conditional.
        var read = DynaliteFixture.NewState();
        await Storage.ReadStateAsync(StateName, grainId, read);
        Assert.False(read.RecordExists);
        Assert.Equal(state.ETag, read.ETag);
        Assert.Equal("", read.State.Name);

        read.State.Name = "after the clear";
        await Storage.WriteStateAsync(StateName, grainId, read);
        Assert.Equal((writtenEtag + 2).ToString(), read.ETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, grainId, state));
    }

    [Fact]
    public async Task Clear_deletes_the_item_with_DeleteStateOnClear()
    {
        IGrainStorage storage = fixture.NewStorage(o => o.DeleteStateOnClear = true);
        var grainId = DynaliteFixture.NewGrainId();
        var state = DynaliteFixture.NewState();
        state.State.Name = "to be deleted";
        await storage.WriteStateAsync(StateName, grainId, state);

        await storage.ClearStateAsync(StateName, grainId, state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal("", state.State.Name);
        Assert.Null(await fixture.ItemAsync(grainId, StateName));

        // Clearing again, with no etag and no item, is a no-op.
        await storage.ClearStateAsync(StateName, grainId, state);
        Assert.Null(await fixture.ItemAsync(grainId, StateName));
    }

    [Fact]
    public async Task States_of_one_grain_and_of_other_grain_types_and_services_are_separate_items()
    {
        var key = Guid.NewGuid().ToString("N");
        var otherService = fixture.NewStorage(o => o.ServiceId = "other-service");
        (IGrainStorage Storage, GrainId Grain, string State, string Value)[] writes =
        [
            (Storage, GrainId.Create("alerts", key), "settings", "alerts settings"),
            (Storage, GrainId.Create("alerts", key), "thresholds", "alerts thresholds"),
            (Storage, GrainId.Create("devices", key), "settings", "devices settings"),
            (otherService, GrainId.Create("alerts", key), "settings", "other service"),
        ];
        foreach (var (storage, grain, stateName, value) in writes)
        {
            var state = DynaliteFixture.NewState();
            state.State.Name = value;
            await storage.WriteStateAsync(stateName, grain, state);
        }

        foreach (var (storage, grain, stateName, value) in writes)
        {
            var read = DynaliteFixture.NewState();
            await storage.ReadStateAsync(stateName, grain, read);
            Assert.Equal(value, read.State.Name);
        }

        Assert.NotNull(await fixture.ItemAsync(GrainId.Create("alerts", key), "settings", serviceId: "other-service"));
    }

    [Theory]
    [InlineData("Zürich ops/alerts.v2")]
    [InlineData("日本語 キー")]
    [InlineData("with spaces and / slashes / and.dots.")]
    [InlineData("emoji 🚨 and tab\tand ' \" quotes")]
    public async Task Keys_with_unicode_spaces_slashes_and_dots_round_trip(string key)
    {
        var grainId = GrainId.Create("alerts", key + " " + Guid.NewGuid().ToString("N")[..6]);
        var state = DynaliteFixture.NewState();
        state.State.Name = "for " + key;

        await Storage.WriteStateAsync("state.with/odd name ü", grainId, state);

        var read = DynaliteFixture.NewState();
        await Storage.ReadStateAsync("state.with/odd name ü", grainId, read);
        Assert.Equal("for " + key, read.State.Name);
        var item = await fixture.ItemAsync(grainId, "state.with/odd name ü");
        Assert.NotNull(item);
        Assert.Equal($"{DynaliteFixture.ServiceId}_alerts/{grainId.Key}", item["GrainReference"].S);
        Assert.Null(await fixture.ItemAsync(GrainId.Create("alerts", key), "state.with/odd name ü"));
    }

    [Fact]
    public async Task Keys_over_the_DynamoDB_key_limits_are_rejected_with_the_limit_named()
    {
        // "tests_alerts/" is 13 bytes: 2035 more make 2048, the most a partition key holds.
        var atLimit = GrainId.Create("alerts", new string('k', 2048 - 13));
        var overLimit = GrainId.Create("alerts", new string('k', 2048 - 13 + 1));
        var state = DynaliteFixture.NewState();

        var longKey = await Assert.ThrowsAsync<ArgumentException>(() => Storage.WriteStateAsync(StateName, overLimit, state));
        Assert.Contains("2048-byte partition key limit", longKey.Message, StringComparison.Ordinal);
        var longName = await Assert.ThrowsAsync<ArgumentException>(() => Storage.ReadStateAsync(new string('s', 1025), atLimit, state));
        Assert.Contains("1024-byte sort key limit", longName.Message, StringComparison.Ordinal);

        // Multi-byte characters count as DynamoDB counts them, in UTF-8 bytes.
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.ReadStateAsync(new string('ü', 513), atLimit, state));

        state.State.Name = "long keys";
        await Storage.WriteStateAsync(new string('s', 1024), atLimit, state);
        var read = DynaliteFixture.NewState();
        await Storage.ReadStateAsync(new string('s', 1024), atLimit, read);
        Assert.Equal("long keys", read.State.Name);
    }

    [Fact]
    public async Task TimeToLive_stamps_every_write_and_clear_with_an_expiry()
    {
        var storage = fixture.NewStorage(o =>
        {
            o.TimeToLive = TimeSpan.FromHours(1);
            o.UpdateIfExists = false;
        });
        await storage.InitAsync(CancellationToken.None);
        var grainId = DynaliteFixture.NewGrainId();
        var state = DynaliteFixture.NewState();

        var before = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        await storage.WriteStateAsync(StateName, grainId, state);
        var afterWrite = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        var written = await fixture.ItemAsync(grainId, StateName);
        Assert.InRange(long.Parse(written!["GrainTtl"].N), before, afterWrite);

        await storage.ClearStateAsync(StateName, grainId, state);
        var cleared = await fixture.ItemAsync(grainId, StateName);
        Assert.InRange(long.Parse(cleared!["GrainTtl"].N), before, DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds());

        // Without the option, no expiry.
        await Storage.WriteStateAsync(StateName, grainId, state);
        Assert.False((await fixture.ItemAsync(grainId, StateName))!.ContainsKey("GrainTtl"));
    }

    [Fact]
    public async Task An_item_whose_state_is_not_binary_is_a_clear_error_naming_it()
    {
        var grainId = DynaliteFixture.NewGrainId();
        await fixture.Client.PutItemAsync(new PutItemRequest
        {
            TableName = DynaliteFixture.SharedTable,
            Item = new()
            {
                ["GrainReference"] = new AttributeValue { S = $"{DynaliteFixture.ServiceId}_{grainId}" },
                ["GrainType"] = new AttributeValue { S = StateName },
                ["GrainState"] = new AttributeValue { S = "{\"name\":\"json in a string\"}" },
                ["ETag"] = new AttributeValue { N = "3" },
            },
        });

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Storage.ReadStateAsync(StateName, grainId, DynaliteFixture.NewState()));

        Assert.Contains(grainId.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains(DynaliteFixture.SharedTable, error.Message, StringComparison.Ordinal);
        Assert.Contains("neither binary nor NULL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task State_the_serializer_cannot_read_is_a_clear_error_naming_grain_and_type()
    {
        var grainId = DynaliteFixture.NewGrainId();
        await fixture.Client.PutItemAsync(new PutItemRequest
        {
            TableName = DynaliteFixture.SharedTable,
            Item = new()
            {
                ["GrainReference"] = new AttributeValue { S = $"{DynaliteFixture.ServiceId}_{grainId}" },
                ["GrainType"] = new AttributeValue { S = StateName },
                ["GrainState"] = new AttributeValue { B = new MemoryStream("not json"u8.ToArray()) },
                ["ETag"] = new AttributeValue { N = "3" },
            },
        });

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Storage.ReadStateAsync(StateName, grainId, DynaliteFixture.NewState()));

        Assert.Contains(grainId.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains("not a valid AlertSettings", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_write_sends_nothing()
    {
        var grainId = DynaliteFixture.NewGrainId();
        var state = DynaliteFixture.NewState();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Storage.WriteStateAsync(StateName, grainId, state, cancelled.Token));

        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        Assert.Null(await fixture.ItemAsync(grainId, StateName));
    }
}
