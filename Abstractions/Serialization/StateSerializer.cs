using System.Text.Json;

namespace KinesisGrains.Abstractions.Serialization;

/// <summary>Serializes grain state and grain call payloads as UTF-8 JSON.</summary>
internal static class StateSerializer
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,

        // A record without a required field, or with null where the type says never null, is an error to
        // dead-letter with the field's name, never an event with a zero in it.
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, TypeInfo<T>.Value);

    /// <summary>Writes <paramref name="value"/> with a reused writer (no array per value on the hot path).</summary>
    public static void Serialize<T>(Utf8JsonWriter writer, T value) => JsonSerializer.Serialize(writer, value, TypeInfo<T>.Value);

    private static class TypeInfo<T>
    {
        public static readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> Value =
            (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
    }

    public static T Deserialize<T>(ReadOnlySpan<byte> utf8Json) =>
        JsonSerializer.Deserialize(utf8Json, TypeInfo<T>.Value)
        ?? throw new JsonException($"The persisted {typeof(T).Name} is the JSON null.");
}
