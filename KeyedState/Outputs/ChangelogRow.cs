using System.Buffers;
using System.Text.Json;
using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.KeyedState.Outputs;

/// <summary>
/// A key's changelog row as JSON (<see cref="RowSchema.Changelog"/>): <c>key</c>, <c>deleted</c>, then the state's own
/// properties, spliced from the state's serialized JSON so the state is serialized once for the store and the row.
/// </summary>
internal static class ChangelogRow
{
    private static readonly byte[] s_deletedTail = ",\"deleted\":true}"u8.ToArray();
    private static readonly byte[] s_liveTail = ",\"deleted\":false"u8.ToArray();

    /// <summary>Writes the row of <paramref name="key"/> whose state serializes to <paramref name="stateJson"/> (an object), or of a deleted key when it is empty.</summary>
    public static ReadOnlySpan<byte> Write(ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer, string key, ReadOnlySpan<byte> stateJson)
    {
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        writer.WriteStartObject();
        writer.WriteString(RowSchema.KeyColumn, key);
        writer.Flush();

        // The writer left "{"key":"...": the rest is appended by hand.
        if (stateJson.IsEmpty)
        {
            buffer.Write(s_deletedTail);
            return buffer.WrittenSpan;
        }

        buffer.Write(s_liveTail);
        var body = stateJson[1..];
        if (body.Length > 1)
        {
            buffer.Write(","u8);
        }

        buffer.Write(body);
        return buffer.WrittenSpan;
    }
}
