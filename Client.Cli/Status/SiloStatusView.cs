using System.Globalization;
using System.Text.Json;
using KinesisGrains.Abstractions.Monitoring;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace KinesisGrains.Cli.Status;

/// <summary>
/// A silo's <c>/status</c> document for people: a summary, a table per shard and, when the silo reports them, a table
/// per partition. Read leniently: a missing field shows as "-", and fields added to /status later show up in the
/// partition table without a change here.
/// </summary>
internal static partial class SiloStatusView
{
    public static void Write(IAnsiConsole console, JsonElement status)
    {
        console.Write(Summary(status));
        console.Write(Shards(status));
        foreach (var (name, rows) in PartitionArrays(status))
        {
            console.Write(Generic(name, rows));
        }
    }

    /// <summary>What the wait loop needs from a status document.</summary>
    public static Progress ReadProgress(JsonElement status)
    {
        var shards = Array(status, "shards");
        return new Progress(
            Long(status, "recordsRead") ?? 0,
            Long(status, "eventsApplied") ?? 0,
            Bool(status, "caughtUp") ?? false,
            shards.Count,
            shards.Count(s => Bool(s, "caughtUp") == true),
            shards.Select(s => Long(s, "millisBehindLatest")).Max());
    }

    public readonly record struct Progress(long RecordsRead, long EventsApplied, bool CaughtUp, int Shards, int ShardsCaughtUp, long? MaxMillisBehindLatest);

    private static Grid Summary(JsonElement status)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string label, string? value) => grid.AddRow(new Text(label, new Style(decoration: Decoration.Bold)), new Text(value ?? "-"));
        Row("silo", Text(status, "siloId"));
        Row("application", Text(status, "applicationName"));
        Row("stream", Text(status, "streamName"));
        if (Text(status, "pausedSince") is { } paused)
        {
            Row("input", $"paused since {paused} (kgrains resume)");
        }

        Row("caught up", Bool(status, "caughtUp") is { } caughtUp ? (caughtUp ? "yes" : "no") : null);
        Row("records read", Count(status, "recordsRead"));
        Row("events applied", Count(status, "eventsApplied"));
        Row("dead letters", Count(status, "deadLettered"));
        Row("partitions", Count(status, "partitions"));
        Row("checkpoint cycles", Count(status, "checkpointCycles") + (Text(status, "lastCheckpointAt") is { } at ? $" (last {at})" : ""));
        Row("fetch buffer", Bytes(Long(status, "fetchBufferMemoryBytes")) + $" in memory, {Bytes(Long(status, "fetchBufferSpilledBytes"))} spilled");
        return grid;
    }

    private static Table Shards(JsonElement status)
    {
        // Six narrow columns with a minimal border: fits an 80-column terminal with typical shard and silo ids.
        var table = new Table().Title("shards").Border(TableBorder.Minimal)
            .AddColumn(new TableColumn("Shard").NoWrap())
            .AddColumn(new TableColumn("Owner").NoWrap())
            .AddColumn("State")
            .AddColumn(new TableColumn("Checkpoint").NoWrap())
            .AddColumn(new TableColumn("Records").RightAligned())
            .AddColumn(new TableColumn("Lag").RightAligned());
        foreach (var shard in Array(status, "shards"))
        {
            var error = Text(shard, "lastError");
            table.AddRow(
                new Text(Text(shard, "shardId") ?? "-"),
                new Text(Text(shard, "owner") ?? Text(status, "siloId") ?? "-"),
                new Text(State(shard) + (error is null ? "" : $": {error}"), error is null ? Style.Plain : new Style(Color.Red)),
                new Text(Sequence(Text(shard, "checkpoint"))),
                new Text(Count(shard, "recordsRead") ?? "-"),
                new Text(Lag(Long(shard, "millisBehindLatest")) ?? "-"));
        }

        return table;
    }

    /// <summary>Top-level arrays of objects named after partitions (per-partition details a silo may report).</summary>
    private static IEnumerable<(string Name, List<JsonElement> Rows)> PartitionArrays(JsonElement status) =>
        status.EnumerateObject()
            .Where(p => p.Name.Contains("partition", StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.Array)
            .Select(p => (p.Name, p.Value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).ToList()))
            .Where(p => p.Item2.Count > 0);

    private static Table Generic(string title, List<JsonElement> rows)
    {
        var columns = rows.SelectMany(r => r.EnumerateObject().Select(p => p.Name)).Distinct(StringComparer.Ordinal).ToList();
        var table = new Table().Title(title);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(new Text(column)));
        }

        foreach (var row in rows)
        {
            table.AddRow(columns.Select(c => (IRenderable)new Text(row.TryGetProperty(c, out var value) ? Cell(value) : "-")));
        }

        return table;
    }

    private static string Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out var number) => number.ToString("N0", CultureInfo.InvariantCulture),
        JsonValueKind.Number => value.GetDouble().ToString("0.###", CultureInfo.InvariantCulture),
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.True => "yes",
        JsonValueKind.False => "no",
        JsonValueKind.Null or JsonValueKind.Undefined => "-",
        _ => value.GetRawText(),
    };

    /// <summary>"caught up" for a reading shard with nothing left to fetch, else the receiver's state in words.</summary>
    private static string State(JsonElement shard)
    {
        if (!shard.TryGetProperty("state", out var state))
        {
            return Bool(shard, "caughtUp") == true ? "caught up" : "-";
        }

        var name = state.ValueKind == JsonValueKind.Number && state.TryGetInt32(out var number) && Enum.IsDefined((ShardReceiverState)number)
            ? ((ShardReceiverState)number).ToString()
            : Cell(state);
        return name == nameof(ShardReceiverState.Reading) && Bool(shard, "caughtUp") == true
            ? "caught up"
            : Words().Replace(name, " $1").ToLowerInvariant();
    }

    [System.Text.RegularExpressions.GeneratedRegex("(?<=[a-z])([A-Z])")]
    private static partial System.Text.RegularExpressions.Regex Words();

    /// <summary>Sequence numbers are 56 digits: the tail tells them apart in a table (--json has them whole).</summary>
    private static string Sequence(string? value) =>
        value is null ? "-" : value.Length > 16 && value.All(char.IsAsciiDigit) ? "…" + value[^8..] : value;

    private static string? Lag(long? millis) => millis switch
    {
        null => null,
        < 1000 => $"{millis} ms",
        < 120_000 => $"{millis / 1000.0:F1} s",
        _ => $"{millis / 60_000.0:F1} min",
    };

    private static string Bytes(long? bytes) => bytes switch
    {
        null => "-",
        < 1024 * 1024 => $"{bytes / 1024.0:F0} KiB",
        _ => $"{bytes / (1024.0 * 1024):F1} MiB",
    };

    private static List<JsonElement> Array(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray()] : [];

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? Cell(value) : null;

    private static string? Count(JsonElement element, string name) => Long(element, name)?.ToString("N0", CultureInfo.InvariantCulture);

    private static long? Long(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;

    private static bool? Bool(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;
}
