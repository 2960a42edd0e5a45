using System.Text.Json;
using KinesisGrains.Abstractions.Serialization;

namespace KinesisGrains.Abstractions.Streams;

/// <summary>The default handler: the record's data is the JSON of <typeparamref name="TEvent"/>, the key its partition key.</summary>
public sealed class JsonMessageHandler<TEvent> : IStreamMessageHandler<TEvent>
{
    /// <inheritdoc/>
    public bool TryHandle(StreamRecord record, out string grainKey, out TEvent item, out string? error)
    {
        grainKey = record.PartitionKey;
        try
        {
            item = JsonSerializer.Deserialize<TEvent>(record.Data.Span, StateSerializer.Options)!;
            error = item is null ? "the record's data is the JSON null" : null;
            return item is not null;
        }
        catch (JsonException exception)
        {
            item = default!;
            error = $"the record's data is not a JSON {typeof(TEvent).Name}: {exception.Message}";
            return false;
        }
    }
}
