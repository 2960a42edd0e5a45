using System.Globalization;
using System.Text;
using System.Text.Json;
using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// Reads a <see cref="SinkRow"/>'s JSON object into one value per column (by the columns' names, as the rows' web
/// casing has them): <c>string</c>, <c>long</c>, <c>int</c>, <c>double</c>, <c>bool</c>, UTC microseconds
/// (<c>long</c>) for a timestamp (an ISO-8601 string), a key/value list for a map. A missing property is null.
/// </summary>
internal sealed class SinkRowDecoder
{
    private readonly IReadOnlyList<RowColumn> _columns;
    private readonly Dictionary<string, int> _index;
    private readonly byte[][] _utf8Names;

    public SinkRowDecoder(IReadOnlyList<RowColumn> columns)
    {
        _columns = columns;
        _index = columns.Select((c, i) => (c.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        _utf8Names = [.. columns.Select(c => Encoding.UTF8.GetBytes(c.Name))];
    }

    /// <exception cref="DeltaRowException">Not a JSON object, a value of another type, or null in a non-nullable column.</exception>
    public object?[] Decode(SinkRow row)
    {
        var values = new object?[_columns.Count];
        try
        {
            var reader = new Utf8JsonReader(row.Json.Span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Error(row, null, "is not a JSON object");
            }

            var next = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // A row's JSON comes from the type its schema was made of, so its properties come in column order:
                // the next column's name is tried first, without making a string of the property name.
                int i;
                if (next < _utf8Names.Length && reader.ValueTextEquals(_utf8Names[next]))
                {
                    i = next;
                }
                else if (!_index.TryGetValue(reader.GetString()!, out i))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                next = i + 1;
                reader.Read();
                var column = _columns[i];
                values[i] = column.Type == RowColumnType.Map ? Map(ref reader, row, column) : Scalar(ref reader, row, column.Name, column.Type);
            }
        }
        catch (JsonException e)
        {
            throw new DeltaRowException($"Row {row.RowId} is not valid JSON: {e.Message}", e);
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is null && !_columns[i].Nullable)
            {
                throw Error(row, _columns[i].Name, "is null or missing, but the column is not nullable");
            }
        }

        return values;
    }

    private static List<KeyValuePair<string, object?>>? Map(ref Utf8JsonReader reader, SinkRow row, RowColumn column)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Error(row, column.Name, $"is a {reader.TokenType}, not an object (a map)");
        }

        var entries = new List<KeyValuePair<string, object?>>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            entries.Add(new(key, Scalar(ref reader, row, $"{column.Name}.{key}", column.ValueType!.Value)));
        }

        return entries;
    }

    private static object? Scalar(ref Utf8JsonReader reader, SinkRow row, string column, RowColumnType type)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        var token = reader.TokenType;
        if (type == RowColumnType.Timestamp && token == JsonTokenType.String && IsIsoWithOffset(ref reader) && reader.TryGetDateTimeOffset(out var iso))
        {
            // What the rows' serializer writes (ISO 8601 with an offset): read without a string or culture-aware parsing.
            return DeltaTimestamps.ToMicros(iso);
        }

        var text = token == JsonTokenType.String ? reader.GetString()! : null;
        object? value = (type, token) switch
        {
            (RowColumnType.String, JsonTokenType.String) => text,
            (RowColumnType.Long, JsonTokenType.Number) => reader.TryGetInt64(out var l) ? l : null,
            (RowColumnType.Integer, JsonTokenType.Number) => reader.TryGetInt32(out var n) ? n : null,
            (RowColumnType.Double, JsonTokenType.Number) => reader.GetDouble(),
            (RowColumnType.Boolean, JsonTokenType.True) => true,
            (RowColumnType.Boolean, JsonTokenType.False) => false,

            // Web defaults read numbers from strings, and named floating literals when allowed: accept what they write.
            (RowColumnType.Long, JsonTokenType.String) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ls) ? ls : null,
            (RowColumnType.Integer, JsonTokenType.String) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ns) ? ns : null,
            (RowColumnType.Double, JsonTokenType.String) => text switch
            {
                "NaN" => double.NaN,
                "Infinity" => double.PositiveInfinity,
                "-Infinity" => double.NegativeInfinity,
                _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null,
            },
            (RowColumnType.Timestamp, JsonTokenType.String) =>
                DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? DeltaTimestamps.ToMicros(t) : null,
            _ => null,
        };

        if (value is null)
        {
            throw Error(row, column, $"holds {(text is null ? token.ToString() : $"\"{text}\"")}, not a {type}");
        }

        return value;
    }

    /// <summary>
    /// True for <c>yyyy-MM-ddTHH:mm:ss[.f…]</c> with at most 7 fraction digits and <c>Z</c> or <c>±hh:mm</c>, unescaped:
    /// the reader's ISO parser and <see cref="DateTimeOffset.TryParse(string, IFormatProvider, DateTimeStyles, out DateTimeOffset)"/>
    /// give the same instant for it. Anything else (no offset: taken as UTC below) goes the general way.
    /// </summary>
    private static bool IsIsoWithOffset(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            return false;
        }

        var value = reader.ValueSpan;
        int offset;
        if (value.Length > 19 && value[^1] == (byte)'Z')
        {
            offset = value.Length - 1;
        }
        else if (value.Length > 24 && value[^6] is (byte)'+' or (byte)'-' && value[^3] == (byte)':')
        {
            offset = value.Length - 6;
        }
        else
        {
            return false;
        }

        // 19 = "yyyy-MM-ddTHH:mm:ss"; then nothing, or '.' and 1 to 7 digits.
        return value[10] == (byte)'T' && (offset == 19 || (value[19] == (byte)'.' && offset - 20 is >= 1 and <= 7));
    }

    private static DeltaRowException Error(SinkRow row, string? column, string problem) =>
        new(column is null ? $"Row {row.RowId} (key '{row.Key}') {problem}." : $"Row {row.RowId} (key '{row.Key}'): column '{column}' {problem}.");
}
