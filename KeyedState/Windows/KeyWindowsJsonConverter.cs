using System.Text.Json;
using System.Text.Json.Serialization;

namespace KinesisGrains.KeyedState.Windows;

/// <summary>Makes the <see cref="KeyWindowsJsonConverter{TAccumulator}"/> of each accumulator type.</summary>
internal sealed class KeyWindowsJsonConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(KeyWindows<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(KeyWindowsJsonConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]), options)!;
}

/// <summary>
/// Writes and reads a key's windows as the serializer's own contract does (<c>{"open":[{"start":…,"end":…,
/// "accumulator":…,"events":…,"fired":…,"revision":…}],"recent":[…],"timerAt":…}</c>, names by the options' policy), by
/// hand: a window state is written at every write of its key, twice per window, and the generic contract spent more
/// on its stack of frames for the nested lists and slots than on the bytes.
/// </summary>
internal sealed class KeyWindowsJsonConverter<TAccumulator> : JsonConverter<KeyWindows<TAccumulator>>
{
    private readonly JsonConverter<TAccumulator> _accumulator;
    private readonly bool _caseInsensitive;
    private readonly JsonEncodedText _open, _recent, _timerAt, _start, _end, _accumulatorName, _events, _fired, _revision;

    public KeyWindowsJsonConverter(JsonSerializerOptions options)
    {
        _accumulator = (JsonConverter<TAccumulator>)options.GetConverter(typeof(TAccumulator));
        _caseInsensitive = options.PropertyNameCaseInsensitive;
        JsonEncodedText Name(string name) => JsonEncodedText.Encode(options.PropertyNamingPolicy?.ConvertName(name) ?? name);
        (_open, _recent, _timerAt) = (Name(nameof(KeyWindows<TAccumulator>.Open)), Name(nameof(KeyWindows<TAccumulator>.Recent)), Name(nameof(KeyWindows<TAccumulator>.TimerAt)));
        (_start, _end, _accumulatorName) = (Name(nameof(WindowSlot<TAccumulator>.Start)), Name(nameof(WindowSlot<TAccumulator>.End)), Name(nameof(WindowSlot<TAccumulator>.Accumulator)));
        (_events, _fired, _revision) = (Name(nameof(WindowSlot<TAccumulator>.Events)), Name(nameof(WindowSlot<TAccumulator>.Fired)), Name(nameof(WindowSlot<TAccumulator>.Revision)));
    }

    public override void Write(Utf8JsonWriter writer, KeyWindows<TAccumulator> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        WriteSlots(writer, _open, value.Open, options);
        WriteSlots(writer, _recent, value.Recent, options);
        if (value.TimerAt is { } timerAt)
        {
            writer.WriteNumber(_timerAt, timerAt);
        }
        else
        {
            writer.WriteNull(_timerAt);
        }

        writer.WriteEndObject();
    }

    public override KeyWindows<TAccumulator> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        var windows = new KeyWindows<TAccumulator>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = Property(ref reader);
            reader.Read();
            if (name == _open.Value)
            {
                ReadSlots(ref reader, windows.Open, options);
            }
            else if (name == _recent.Value)
            {
                ReadSlots(ref reader, windows.Recent, options);
            }
            else if (name == _timerAt.Value)
            {
                windows.TimerAt = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt64();
            }
            else
            {
                reader.Skip();
            }
        }

        Expect(ref reader, JsonTokenType.EndObject);
        return windows;
    }

    private void WriteSlots(Utf8JsonWriter writer, JsonEncodedText name, List<WindowSlot<TAccumulator>> slots, JsonSerializerOptions options)
    {
        writer.WriteStartArray(name);
        foreach (var slot in slots)
        {
            writer.WriteStartObject();
            writer.WriteNumber(_start, slot.Start);
            writer.WriteNumber(_end, slot.End);
            writer.WritePropertyName(_accumulatorName);
            if (slot.Accumulator is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                _accumulator.Write(writer, slot.Accumulator, options);
            }

            writer.WriteNumber(_events, slot.Events);
            writer.WriteBoolean(_fired, slot.Fired);
            writer.WriteNumber(_revision, slot.Revision);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private void ReadSlots(ref Utf8JsonReader reader, List<WindowSlot<TAccumulator>> slots, JsonSerializerOptions options)
    {
        Expect(ref reader, JsonTokenType.StartArray);
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            var slot = new WindowSlot<TAccumulator>();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = Property(ref reader);
                reader.Read();
                if (name == _start.Value)
                {
                    slot.Start = reader.GetInt64();
                }
                else if (name == _end.Value)
                {
                    slot.End = reader.GetInt64();
                }
                else if (name == _accumulatorName.Value)
                {
                    slot.Accumulator = reader.TokenType == JsonTokenType.Null && !_accumulator.HandleNull
                        ? default!
                        : _accumulator.Read(ref reader, typeof(TAccumulator), options)!;
                }
                else if (name == _events.Value)
                {
                    slot.Events = reader.GetInt64();
                }
                else if (name == _fired.Value)
                {
                    slot.Fired = reader.GetBoolean();
                }
                else if (name == _revision.Value)
                {
                    slot.Revision = reader.GetInt32();
                }
                else
                {
                    reader.Skip();
                }
            }

            Expect(ref reader, JsonTokenType.EndObject);
            slots.Add(slot);
        }

        Expect(ref reader, JsonTokenType.EndArray);
    }

    /// <summary>The property's name as this converter spells it (its own names interned, so the comparisons are cheap).</summary>
    private string Property(ref Utf8JsonReader reader)
    {
        foreach (var known in (ReadOnlySpan<JsonEncodedText>)[_open, _recent, _timerAt, _start, _end, _accumulatorName, _events, _fired, _revision])
        {
            if (reader.ValueTextEquals(known.EncodedUtf8Bytes))
            {
                return known.Value;
            }
        }

        var name = reader.GetString()!;
        if (_caseInsensitive)
        {
            foreach (var known in (ReadOnlySpan<JsonEncodedText>)[_open, _recent, _timerAt, _start, _end, _accumulatorName, _events, _fired, _revision])
            {
                if (string.Equals(name, known.Value, StringComparison.OrdinalIgnoreCase))
                {
                    return known.Value;
                }
            }
        }

        return name;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType token)
    {
        if (reader.TokenType != token)
        {
            throw new JsonException($"A key's windows: expected {token}, found {reader.TokenType}.");
        }
    }
}
