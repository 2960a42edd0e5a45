using System.Text.Json;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Sinks.Delta;
using KinesisGrains.Testing.Delta;
using KinesisGrains.Tests.Delta.Support;
using Xunit;

namespace KinesisGrains.Tests.Delta;

public sealed class DeltaSchemaTests
{
    [Fact]
    public void The_schema_string_has_Delta_type_names_nullability_and_maps_with_nullable_values()
    {
        var json = JsonDocument.Parse(DeltaSchemaJson.Write(TestRows.Schema.Columns)).RootElement;
        Assert.Equal("struct", json.GetProperty("type").GetString());
        var fields = json.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);
        Assert.Equal(["user", "count", "sessions", "ratio", "active", "lastSeen", "region", "byType"], fields.Keys);
        Assert.Equal(["string", "long", "integer", "double", "boolean", "timestamp", "string"], fields.Values.Take(7).Select(f => f.GetProperty("type").GetString()));
        Assert.Equal([false, false, true, false, false, false, true, true], fields.Values.Select(f => f.GetProperty("nullable").GetBoolean()));
        var map = fields["byType"].GetProperty("type");
        Assert.Equal("map", map.GetProperty("type").GetString());
        Assert.Equal("string", map.GetProperty("keyType").GetString());
        Assert.Equal("long", map.GetProperty("valueType").GetString());
        Assert.True(map.GetProperty("valueContainsNull").GetBoolean());

        Assert.Equal(TestRows.Schema.Columns, DeltaSchemaJson.Parse(DeltaSchemaJson.Write(TestRows.Schema.Columns), out var invariants));
        Assert.False(invariants);
    }

    [Fact]
    public void Unsupported_types_and_invariants_are_named()
    {
        var error = Assert.Throws<DeltaTableUnsupportedException>(() => DeltaSchemaJson.Parse("""{"type":"struct","fields":[{"name":"price","type":"decimal(10,2)","nullable":true,"metadata":{}}]}""", out _));
        Assert.Contains("'price'", error.Message);
        DeltaSchemaJson.Parse("""{"type":"struct","fields":[{"name":"n","type":"long","nullable":true,"metadata":{"delta.invariants":"{\"expression\":{\"expression\":\"n > 0\"}}"}}]}""", out var invariants);
        Assert.True(invariants);
    }

    [Theory]
    [InlineData("region", "region", "region", DeltaPartitionTransform.Identity)]
    [InlineData("date(lastSeen)", "lastSeen_date", "lastSeen", DeltaPartitionTransform.Date)]
    [InlineData(" DATE( lastSeen ) ", "lastSeen_date", "lastSeen", DeltaPartitionTransform.Date)]
    public void Partition_specs_parse(string spec, string name, string source, DeltaPartitionTransform transform) =>
        Assert.Equal(new DeltaPartitionColumn(name, source, transform), DeltaPartitionColumn.Parse(spec));

    [Theory]
    [InlineData("ratio", "is a Double")]
    [InlineData("lastSeen", "date(lastSeen)")]
    [InlineData("date(user)", "is a String")]
    [InlineData("nope", "names no column")]
    [InlineData("hour(lastSeen)", "only transform is date")]
    public void Bad_partition_columns_are_refused_with_the_reason(string spec, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => DeltaTableSchema.Create(TestRows.Schema.Columns, [spec]));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void A_date_partition_adds_a_string_column_kept_out_of_the_data_files()
    {
        var schema = DeltaTableSchema.Create(TestRows.Schema.Columns, ["region", "date(lastSeen)"]);
        Assert.Equal(["region", "lastSeen_date"], schema.PartitionColumnNames);
        Assert.Equal(new RowColumn("lastSeen_date", RowColumnType.String, false), schema.Columns[^1]);
        Assert.DoesNotContain(schema.DataColumns, c => c.Name is "region" or "lastSeen_date");
        Assert.Contains(schema.DataColumns, c => c.Name == "lastSeen");
    }

    [Fact]
    public void Partition_directories_escape_values_and_paths_are_uri_encoded()
    {
        var values = new Dictionary<string, string?> { ["a"] = "x y/z%", ["b"] = null, ["c"] = "é" };
        var directory = DeltaPartitionPath.Directory(["a", "b", "c"], values);
        Assert.Equal("a=x%20y%2Fz%25/b=__HIVE_DEFAULT_PARTITION__/c=%C3%A9", directory);
        Assert.Equal("a=x%2520y%252Fz%2525/b=__HIVE_DEFAULT_PARTITION__/c=%25C3%25A9", DeltaPartitionPath.ToUri(directory));
        Assert.Equal(directory, DeltaPartitionPath.FromUri(DeltaPartitionPath.ToUri(directory)));
    }

    [Fact]
    public void Stats_bound_numbers_strings_and_timestamps_and_count_nulls()
    {
        var columns = new List<RowColumn>
        {
            new("n", RowColumnType.Long, true), new("s", RowColumnType.String, true), new("t", RowColumnType.Timestamp, false),
            new("d", RowColumnType.Double, true), new("m", RowColumnType.Map, true, RowColumnType.Long),
        };
        var longText = new string('x', 33);
        var rows = new List<object?[]>
        {
            new object?[] { 5L, "b", 1_715_000_000_123_456L, double.NaN, null },
            new object?[] { null, "a", 1_715_000_000_000_000L, 2.5, null },
            new object?[] { -3L, longText, 1_715_000_000_999_001L, -1.0, null },
        };
        var stats = JsonDocument.Parse(DeltaFileStats.Compute(columns, rows)).RootElement;
        Assert.Equal(3, stats.GetProperty("numRecords").GetInt32());
        Assert.Equal(-3, stats.GetProperty("minValues").GetProperty("n").GetInt64());
        Assert.Equal(5, stats.GetProperty("maxValues").GetProperty("n").GetInt64());
        Assert.Equal("a", stats.GetProperty("minValues").GetProperty("s").GetString());
        Assert.False(stats.GetProperty("maxValues").TryGetProperty("s", out _)); // the max is 33 chars: left out
        Assert.Equal("2024-05-06T12:53:20.000Z", stats.GetProperty("minValues").GetProperty("t").GetString());
        Assert.Equal("2024-05-06T12:53:21.000Z", stats.GetProperty("maxValues").GetProperty("t").GetString()); // .999001 rounded up
        Assert.Equal(-1.0, stats.GetProperty("minValues").GetProperty("d").GetDouble());
        Assert.Equal(2.5, stats.GetProperty("maxValues").GetProperty("d").GetDouble());
        Assert.Equal(1, stats.GetProperty("nullCount").GetProperty("n").GetInt32());
        Assert.Equal(3, stats.GetProperty("nullCount").GetProperty("m").GetInt32());
        Assert.False(stats.GetProperty("minValues").TryGetProperty("m", out _));
    }
}
