using System.Text.Json;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Sinks.Delta;

namespace KinesisGrains.Tests.Delta.Support;

/// <summary>The rows the Delta tests write: every column type, nullable and not.</summary>
public sealed record EventRow(
    string User, long Count, int? Sessions, double Ratio, bool Active, DateTimeOffset LastSeen, string? Region, Dictionary<string, long>? ByType);

public static class TestRows
{
    public static readonly RowSchema Schema = RowSchema.For(typeof(EventRow));

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static DateTimeOffset BaseTime { get; } = new(2024, 5, 6, 5, 8, 9, 123, TimeSpan.Zero);

    /// <summary>Row <paramref name="n"/>: deterministic values, some nulls, regions eu/us/null, times over three days.</summary>
    public static EventRow Row(int n) => new(
        $"user-{n}",
        n * 10L,
        n % 3 == 0 ? null : n,
        n / 4.0,
        n % 2 == 0,
        BaseTime.AddHours(n * 7).AddTicks(n * 4560), // microsecond digits, and a sub-microsecond tick cut off
        (n % 3) switch { 0 => "eu", 1 => "us", _ => null },
        n % 5 == 0 ? null : new Dictionary<string, long> { ["click"] = n, ["view"] = n * 2L });

    public static SinkRow ToSinkRow(EventRow row, string id) => new(id, row.User, JsonSerializer.SerializeToUtf8Bytes(row, s_json));

    public static List<SinkRow> Rows(int from, int count, string epochId = "e") =>
        [.. Enumerable.Range(from, count).Select(n => ToSinkRow(Row(n), $"s/0/{epochId}/e{n}"))];

    internal static DeltaTableDefinition Definition(params string[] partitionBy) => DeltaTableDefinition.For(Schema, partitionBy);

    /// <summary>What a reader should see of a row's timestamp: microseconds since the epoch.</summary>
    public static long Micros(DateTimeOffset value) => (value.UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
}
