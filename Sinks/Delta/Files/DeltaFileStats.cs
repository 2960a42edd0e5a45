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
internal static class DeltaFileStats
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
            var bounds = new List<(object Min, object Max)?>(columns.Count);
            var nulls = new int[columns.Count];
            for (var i = 0; i < columns.Count; i++)
            {
                bounds.Add(Bounds(columns[i], rows, i, out nulls[i]));
            }

            WriteBounds(json, "minValues", columns, bounds, min: true);
            WriteBounds(json, "maxValues", columns, bounds, min: false);
            json.WriteStartObject("nullCount");
            for (var i = 0; i < columns.Count; i++)
            {
                json.WriteNumber(columns[i].Name, nulls[i]);
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

    /// <summary>Column <paramref name="index"/>'s bounds, in one pass over the rows without boxing or lists.</summary>
    private static (object Min, object Max)? Bounds(RowColumn column, IReadOnlyList<object?[]> rows, int index, out int nulls)
    {
        nulls = 0;
        switch (column.Type)
        {
            case RowColumnType.Long or RowColumnType.Timestamp:
                return Numbers<long>(rows, index, ref nulls);
            case RowColumnType.Integer:
                return Numbers<int>(rows, index, ref nulls);
            case RowColumnType.Double:
                // NaN never bounds; infinities are not JSON numbers and are left out when they are the bound.
                return Numbers<double>(rows, index, ref nulls);
            case RowColumnType.String:
                // Delta orders strings by UTF-8 bytes, which is code point order (not UTF-16's ordinal order).
                string? minString = null, maxString = null;
                foreach (var row in rows)
                {
                    if (row[index] is not string text)
                    {
                        nulls += row[index] is null ? 1 : 0;
                        continue;
                    }

                    if (minString is null || CodePointComparer.Instance.Compare(text, minString) < 0)
                    {
                        minString = text;
                    }

                    if (maxString is null || CodePointComparer.Instance.Compare(text, maxString) > 0)
                    {
                        maxString = text;
                    }
                }

                return minString is null ? null : (minString, maxString!);
            default:
                foreach (var row in rows)
                {
                    nulls += row[index] is null ? 1 : 0;
                }

                return null;
        }
    }

    private static (object Min, object Max)? Numbers<T>(IReadOnlyList<object?[]> rows, int index, ref int nulls)
        where T : struct, System.Numerics.INumber<T>
    {
        var any = false;
        T min = default, max = default;
        foreach (var row in rows)
        {
            if (row[index] is not T value)
            {
                nulls += row[index] is null ? 1 : 0;
                continue;
            }

            if (T.IsNaN(value))
            {
                continue;
            }

            if (!any)
            {
                (min, max, any) = (value, value, true);
            }
            else if (value < min)
            {
                min = value;
            }
            else if (value > max)
            {
                max = value;
            }
        }

        return any ? (min, max) : null;
    }

    private sealed class CodePointComparer : IComparer<string>
    {
        public static readonly CodePointComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            // UTF-16 order is code point order up to the first difference unless a surrogate is part of it.
            x ??= "";
            y ??= "";
            var common = x.AsSpan().CommonPrefixLength(y);
            if (common == x.Length || common == y.Length)
            {
                if (common == 0 || !char.IsHighSurrogate(x[common - 1]))
                {
                    return x.Length.CompareTo(y.Length);
                }
            }
            else if (!char.IsSurrogate(x[common]) && !char.IsSurrogate(y[common]))
            {
                return x[common].CompareTo(y[common]);
            }

            return CompareRunes(x, y);
        }

        private static int CompareRunes(string x, string y)
        {
            var a = x.EnumerateRunes();
            var b = y.EnumerateRunes();
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
