using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KinesisGrains.Kinesis.Client;

/// <summary>Hash keys travel as decimal strings of up to 39 digits.</summary>
internal sealed class UInt128DecimalConverter : JsonConverter<UInt128>
{
    public override UInt128 Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType is JsonTokenType.String or JsonTokenType.Number)
        {
            Span<char> buffer = stackalloc char[64];
            ReadOnlySpan<byte> source = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
            if (source.Length <= buffer.Length
                && Encoding.UTF8.TryGetChars(source, buffer, out var length)
                && UInt128.TryParse(buffer[..length], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
        }

        throw new JsonException("Expected a 128-bit hash key as a decimal string.");
    }

    public override void Write(Utf8JsonWriter writer, UInt128 value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
}
