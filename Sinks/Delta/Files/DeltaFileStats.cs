using System.Text;
using System.Text.Json;
using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// An <c>add</c>'s <c>stats</c> (PROTOCOL.md, Per-file Statistics): <c>numRecords</c>, and per data column its
/// <c>nullCount</c> and, for numbers, strings and timestamps, <c>minValues</c>/<c>maxValues</c>. Partition columns are
/// left out (their value is in the log). Strings longer than <see cref="MaxStringLength"/> are left out of min/max
/// (Spark cuts them to a prefix; a cut max would need care), NaN never counts; timestamps are cut to milliseconds as
/// the protocol has them, the max rounded up so it never lies below a value.
/// </summary>
public static class DeltaFileStats
{
    public const int MaxStringLength = 32;

    /// <summary>The stats of rows of <paramref name="columns"/> (values as <see cref="SinkRowDecoder"/> gives them).</summary>
    internal static string Compute(IReadOnlyList<RowColumn> columns, IReadOnlyList<object?[]> rows)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("numRecords", rows.Count);
            var bounds = columns.Select((c, i) => Bounds(c, rows.Select(r => r[i]))).ToList();
            WriteBounds(json, "minValues", columns, bounds, min: true);
            WriteBounds(json, "maxValues", columns, bounds, min: false);
            json.WriteStartObject("nullCount");
            for (var i = 0; i < columns.Count; i++)
            {
                json.WriteNumber(columns[i].Name, rows.Count(r => r[i] is null));
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The <c>numRecords</c> of a stats string; null when it has none.</summary>
    public static long? NumRecords(string? stats)
    {
        if (string.IsNullOrEmpty(stats))
        {
            return null;
        }

        using var document = JsonDocument.Parse(stats);
        return document.RootElement.TryGetProperty("numRecords", out var n) && n.TryGetInt64(out var count) ? count : null;
    }

    private static void WriteBounds(Utf8JsonWriter json, string name, IReadOnlyList<RowColumn> columns, List<(object Min, object Max)?> bounds, bool min)
    {
        json.WriteStartObject(name);
        for (var i = 0; i < columns.Count; i++)
        {
            if (bounds[i] is not { } b)
            {
                continue;
            }

            var value = min ? b.Min : b.Max;
            switch (value)
            {
                case string s when s.Length <= MaxStringLength:
                    json.WriteString(columns[i].Name, s);
                    break;
                case long l when columns[i].Type == RowColumnType.Timestamp:
                    json.WriteString(columns[i].Name, DeltaTimestamps.ToStatsText(l, roundUp: !min));
                    break;
                case long l:
                    json.WriteNumber(columns[i].Name, l);
                    break;
                case int n:
                    json.WriteNumber(columns[i].Name, n);
                    break;
                case double d when double.IsFinite(d):
                    json.WriteNumber(columns[i].Name, d);
                    break;
            }
        }

        json.WriteEndObject();
    }

    private static (object Min, object Max)? Bounds(RowColumn column, IEnumerable<object?> values)
    {
        switch (column.Type)
        {
            case RowColumnType.Long or RowColumnType.Timestamp:
                var longs = values.OfType<long>().ToList();
                return longs.Count == 0 ? null : (longs.Min(), longs.Max());
            case RowColumnType.Integer:
                var ints = values.OfType<int>().ToList();
                return ints.Count == 0 ? null : (ints.Min(), ints.Max());
            case RowColumnType.Double:
                // NaN never bounds; infinities are not JSON numbers and are left out when they are the bound.
                var doubles = values.OfType<double>().Where(d => !double.IsNaN(d)).ToList();
                return doubles.Count == 0 ? null : (doubles.Min(), doubles.Max());
            case RowColumnType.String:
                // Delta orders strings by UTF-8 bytes, which is code point order (not UTF-16's ordinal order).
                var strings = values.OfType<string>().ToList();
                return strings.Count == 0 ? null : (strings.Min(CodePointComparer.Instance)!, strings.Max(CodePointComparer.Instance)!);
            default:
                return null;
        }
    }

    private sealed class CodePointComparer : IComparer<string>
    {
        public static readonly CodePointComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = (x ?? "").EnumerateRunes();
            var b = (y ?? "").EnumerateRunes();
            while (true)
            {
                var hasA = a.MoveNext();
                var hasB = b.MoveNext();
                if (!hasA || !hasB)
                {
                    return hasA.CompareTo(hasB);
                }

                var c = a.Current.Value.CompareTo(b.Current.Value);
                if (c != 0)
                {
                    return c;
                }
            }
        }
    }
}
