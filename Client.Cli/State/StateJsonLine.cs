using System.Text.Json;

namespace KinesisGrains.Cli.State;

/// <summary>
/// One exported key as a JSON object: <c>{"state", "partition", "key", "value"}</c>. The partition grains store states
/// as UTF-8 JSON, so the value is that JSON itself; bytes that are not JSON (a grain with a serializer of its own) go
/// as base64 with <c>"encoding": "base64"</c>.
/// </summary>
internal static class StateJsonLine
{
    public static void Write(Utf8JsonWriter writer, string state, int partition, string key, byte[] value, long? snapshotId = null)
    {
        writer.WriteStartObject();
        writer.WriteString("state", state);
        writer.WriteNumber("partition", partition);
        if (snapshotId is { } id)
        {
            writer.WriteNumber("snapshotId", id);
        }

        writer.WriteString("key", key);
        if (IsJson(value))
        {
            writer.WritePropertyName("value");
            writer.WriteRawValue(value, skipInputValidation: true);
        }
        else
        {
            writer.WriteBase64String("value", value);
            writer.WriteString("encoding", "base64");
        }

        writer.WriteEndObject();
    }

    /// <summary>Exactly one complete JSON value (what WriteRawValue would accept).</summary>
    public static bool IsJson(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(value, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read())
            {
                return false;
            }

            reader.Skip();
            return !reader.Read() && reader.BytesConsumed == value.Length;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
