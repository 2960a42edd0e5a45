using System.Text.Json;
using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// A table's columns as Delta's <c>schemaString</c> (PROTOCOL.md, Schema Serialization Format): a struct of fields with
/// the primitive types <c>long</c>, <c>integer</c>, <c>double</c>, <c>boolean</c>, <c>string</c>, <c>timestamp</c>
/// and <c>map</c> (string keys, <c>valueContainsNull</c>), the types a <see cref="RowSchema"/> can hold.
/// </summary>
internal static class DeltaSchemaJson
{
    /// <summary>The schemaString of <paramref name="columns"/>, in their order.</summary>
    public static string Write(IEnumerable<RowColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "struct");
            json.WriteStartArray("fields");
            foreach (var column in columns)
            {
                json.WriteStartObject();
                json.WriteString("name", column.Name);
                if (column.Type == RowColumnType.Map)
                {
                    json.WriteStartObject("type");
                    json.WriteString("type", "map");
                    json.WriteString("keyType", "string");
                    json.WriteString("valueType", TypeName(column.ValueType ?? throw new ArgumentException($"Map column '{column.Name}' has no value type.")));
                    json.WriteBoolean("valueContainsNull", true);
                    json.WriteEndObject();
                }
                else
                {
                    json.WriteString("type", TypeName(column.Type));
                }

                json.WriteBoolean("nullable", column.Nullable);
                json.WriteStartObject("metadata");
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The columns of a schemaString.</summary>
    /// <param name="hasInvariants">
    /// Whether a field carries <c>delta.invariants</c> metadata: a writer of version 2 must check those SQL
    /// expressions, which this one cannot, so it refuses to write such a table.
    /// </param>
    /// <exception cref="DeltaTableUnsupportedException">A field has a type sink rows cannot hold (struct, array, decimal, ...).</exception>
    public static IReadOnlyList<RowColumn> Parse(string schemaString, out bool hasInvariants)
    {
        ArgumentNullException.ThrowIfNull(schemaString);
        using var document = JsonDocument.Parse(schemaString);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("fields", out var fields) || fields.ValueKind != JsonValueKind.Array)
        {
            throw new DeltaTableUnsupportedException("The table's schemaString is not a struct with fields.");
        }

        hasInvariants = false;
        var columns = new List<RowColumn>();
        foreach (var field in fields.EnumerateArray())
        {
            var name = field.GetProperty("name").GetString() ?? "";
            var nullable = !field.TryGetProperty("nullable", out var n) || n.ValueKind != JsonValueKind.False;
            if (field.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("delta.invariants", out _))
            {
                hasInvariants = true;
            }

            var type = field.GetProperty("type");
            if (type.ValueKind == JsonValueKind.String)
            {
                columns.Add(new RowColumn(name, ParseType(name, type.GetString()), nullable));
            }
            else if (type.ValueKind == JsonValueKind.Object && type.TryGetProperty("type", out var kind) && kind.GetString() == "map"
                && type.GetProperty("keyType").ValueKind == JsonValueKind.String && type.GetProperty("keyType").GetString() == "string"
                && type.GetProperty("valueType").ValueKind == JsonValueKind.String)
            {
                columns.Add(new RowColumn(name, RowColumnType.Map, nullable, ParseType(name, type.GetProperty("valueType").GetString())));
            }
            else
            {
                throw new DeltaTableUnsupportedException($"Column '{name}' has the type {type.GetRawText()}; this writer handles long, integer, double, boolean, string, timestamp and map<string, one of those>.");
            }
        }

        return columns;
    }

    internal static string TypeName(RowColumnType type) => type switch
    {
        RowColumnType.String => "string",
        RowColumnType.Long => "long",
        RowColumnType.Integer => "integer",
        RowColumnType.Double => "double",
        RowColumnType.Boolean => "boolean",
        RowColumnType.Timestamp => "timestamp",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "A map's values must be scalars."),
    };

    private static RowColumnType ParseType(string column, string? name) => name switch
    {
        "string" => RowColumnType.String,
        "long" => RowColumnType.Long,
        "integer" => RowColumnType.Integer,
        "double" => RowColumnType.Double,
        "boolean" => RowColumnType.Boolean,
        "timestamp" => RowColumnType.Timestamp,
        _ => throw new DeltaTableUnsupportedException($"Column '{column}' has the type '{name}'; this writer handles long, integer, double, boolean, string, timestamp and map<string, one of those>."),
    };
}
