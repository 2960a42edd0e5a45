using System.Text.Json;

namespace KinesisGrains.Runtime.Serialization;

/// <summary>Serializes grain state and grain call payloads as UTF-8 JSON.</summary>
public static class StateSerializer
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
    };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T Deserialize<T>(ReadOnlySpan<byte> utf8Json) =>
        JsonSerializer.Deserialize<T>(utf8Json, Options)
        ?? throw new JsonException($"The persisted {typeof(T).Name} is the JSON null.");
}
