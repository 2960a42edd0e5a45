using System.Globalization;
using System.Text;
using System.Text.Json;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Sinks.Delta;
using Xunit;

namespace KinesisGrains.Tests.Delta;

/// <summary>The data file writer's fast paths give what the general ones give: properties in any order, ISO timestamps, string bounds in code point order.</summary>
public sealed class DeltaRowDecodingTests
{
    private static readonly List<RowColumn> s_columns =
    [
        new("user", RowColumnType.String, false), new("count", RowColumnType.Long, true), new("at", RowColumnType.Timestamp, true),
        new("byType", RowColumnType.Map, true, RowColumnType.Long),
    ];

    [Theory]
    [InlineData("""{"user":"a","count":1,"at":"2024-05-06T05:08:09.1234567+02:00","byType":{"x":1}}""")]
    [InlineData("""{"byType":{"x":1},"at":"2024-05-06T05:08:09Z","count":1,"user":"a"}""")]
    [InlineData("""{"user":"a","extra":{"count":7},"count":1,"at":"2024-05-06T05:08:09.1-00:30","byType":null}""")]
    [InlineData("""{"user":"a","count":1,"count":2,"at":"2024-05-06T05:08:09.12345678Z"}""")]
    [InlineData("""{"us\u0065r":"a","count":1,"at":"\u0032024-05-06T05:08:09.5Z"}""")]
    [InlineData("""{"user":"a","at":"2024-05-06T05:08:09.123"}""")]
    [InlineData("""{"user":"a","at":"2024-05-06 05:08:09 +01:00"}""")]
    public void A_row_decodes_as_the_general_way_reads_it(string json)
    {
        var values = new SinkRowDecoder(s_columns).Decode(new SinkRow("r", "k", Encoding.UTF8.GetBytes(json)));

        using var document = JsonDocument.Parse(json);
        var properties = document.RootElement.EnumerateObject().GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.Last().Value);
        Assert.Equal(properties["user"].GetString(), values[0]);
        Assert.Equal(properties.TryGetValue("count", out var count) ? count.GetInt64() : null, values[1]);
        var at = DateTimeOffset.Parse(properties["at"].GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.Equal((at.UtcTicks - DateTime.UnixEpoch.Ticks) / 10, values[2]);
        if (properties.TryGetValue("byType", out var map) && map.ValueKind == JsonValueKind.Object)
        {
            Assert.Equal([new KeyValuePair<string, object?>("x", 1L)], (List<KeyValuePair<string, object?>>)values[3]!);
        }
        else
        {
            Assert.Null(values[3]);
        }
    }

    [Fact]
    public void String_bounds_are_in_code_point_order_around_surrogates()
    {
        // UTF-16 puts a surrogate pair (U+1F600) below U+FFFF; code points and UTF-8 bytes put it above.
        string[] texts = ["\uFFFF", "\U0001F600", "a\U0001F600", "a\uFFFF", "ab", "a", "\uD83D"];
        var rows = texts.Select(t => new object?[] { t }).ToList();
        var stats = JsonDocument.Parse(DeltaFileStats.Compute([new RowColumn("s", RowColumnType.String, false)], rows)).RootElement;

        var byBytes = texts.Order(Comparer<string>.Create((x, y) => Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y)))).ToList();
        Assert.Equal("a", stats.GetProperty("minValues").GetProperty("s").GetString());
        Assert.Equal(byBytes[^1], stats.GetProperty("maxValues").GetProperty("s").GetString());
        Assert.Equal("\U0001F600", byBytes[^1]);
    }
}
