using System.Text.Json;
using KinesisGrains.Abstractions.Serialization;
using KinesisGrains.KeyedState.Windows;
using Xunit;

namespace KinesisGrains.Tests.EventTime;

/// <summary>
/// A key's windows are stored as JSON written by hand: the same document the serializer's own contract wrote before
/// (states already in RocksDB and in snapshots read as they were), and a round trip keeps every field.
/// </summary>
public sealed class KeyWindowsJsonTests
{
    private const string Stored =
        """{"open":[{"start":60000,"end":120000,"accumulator":3,"events":3,"fired":false,"revision":0}],"recent":[{"start":0,"end":60000,"accumulator":7,"events":2,"fired":true,"revision":2}],"timerAt":119999}""";

    [Fact]
    public void Writes_the_document_the_default_contract_wrote()
    {
        var windows = new KeyWindows<long>
        {
            Open = [new WindowSlot<long> { Start = 60_000, End = 120_000, Accumulator = 3, Events = 3 }],
            Recent = [new WindowSlot<long> { Start = 0, End = 60_000, Accumulator = 7, Events = 2, Fired = true, Revision = 2 }],
            TimerAt = 119_999,
        };

        Assert.Equal(Stored, JsonSerializer.Serialize(windows, StateSerializer.Options));
    }

    [Fact]
    public void Reads_stored_states_in_any_property_order_with_unknown_fields_and_no_timer()
    {
        var read = StateSerializer.Deserialize<KeyWindows<long>>(
            """{"timerAt":null,"future":{"a":[1,2]},"recent":[],"Open":[{"revision":1,"fired":true,"events":4,"accumulator":9,"end":20,"start":10,"extra":"x"}]}"""u8);

        Assert.Null(read.TimerAt);
        Assert.Empty(read.Recent);
        var slot = Assert.Single(read.Open);
        Assert.Equal((10L, 20L, 9L, 4L, true, 1), (slot.Start, slot.End, slot.Accumulator, slot.Events, slot.Fired, slot.Revision));
        Assert.Equal(Stored, JsonSerializer.Serialize(StateSerializer.Deserialize<KeyWindows<long>>(System.Text.Encoding.UTF8.GetBytes(Stored)), StateSerializer.Options));
    }

    [Fact]
    public void An_accumulator_of_the_users_own_type_round_trips_and_a_malformed_state_is_an_error()
    {
        var windows = new KeyWindows<Stats> { Open = [new WindowSlot<Stats> { Start = 1, End = 2, Accumulator = new Stats(5, "max"), Events = 1 }] };

        var json = JsonSerializer.Serialize(windows, StateSerializer.Options);
        var read = StateSerializer.Deserialize<KeyWindows<Stats>>(System.Text.Encoding.UTF8.GetBytes(json));

        Assert.Contains("\"accumulator\":{\"sum\":5,\"label\":\"max\"}", json, StringComparison.Ordinal);
        Assert.Equal(new Stats(5, "max"), Assert.Single(read.Open).Accumulator);
        Assert.Throws<JsonException>(() => StateSerializer.Deserialize<KeyWindows<long>>("""{"open":{}}"""u8));
    }

    public sealed record Stats(long Sum, string Label);
}
