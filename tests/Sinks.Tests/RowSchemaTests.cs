using KinesisGrains.Abstractions.Sinks;
using Xunit;

namespace KinesisGrains.Tests;

public sealed class RowSchemaTests
{
    private sealed record Summary(string User, long Events, int? Sessions, double Ratio, bool Active, DateTimeOffset LastSeen, string? Note, Dictionary<string, long> ByType);

    private sealed class State
    {
        public long Count { get; set; }
        public Dictionary<string, long> ByType { get; set; } = [];
    }

    private sealed record Bad(Guid Id);

    [Fact]
    public void Columns_follow_the_row_type_in_web_casing_with_nullability()
    {
        var schema = RowSchema.For(typeof(Summary));
        Assert.Equal(
            [
                new RowColumn("user", RowColumnType.String, false),
                new RowColumn("events", RowColumnType.Long, false),
                new RowColumn("sessions", RowColumnType.Integer, true),
                new RowColumn("ratio", RowColumnType.Double, false),
                new RowColumn("active", RowColumnType.Boolean, false),
                new RowColumn("lastSeen", RowColumnType.Timestamp, false),
                new RowColumn("note", RowColumnType.String, true),
                new RowColumn("byType", RowColumnType.Map, false, RowColumnType.Long),
            ],
            schema.Columns);
    }

    [Fact]
    public void A_changelog_has_key_and_deleted_then_the_state_all_nullable()
    {
        var schema = RowSchema.Changelog(typeof(State));
        Assert.Equal(["key", "deleted", "count", "byType"], schema.Columns.Select(c => c.Name));
        Assert.False(schema.Columns[0].Nullable);
        Assert.True(schema.Columns[2].Nullable);
    }

    [Fact]
    public void An_unsupported_property_type_is_named_in_the_error()
    {
        var error = Assert.Throws<NotSupportedException>(() => RowSchema.For(typeof(Bad)));
        Assert.Contains("Bad.Id", error.Message);
    }
}
