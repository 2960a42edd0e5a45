using System.Text.Json;
using KinesisGrains.Runtime.Serialization;

namespace KinesisGrains.DynamoDb.Persistence;

/// <summary>An <see cref="IPersistentState{TState}"/> kept as one item of a <see cref="DynamoDbGrainStorage"/>.</summary>
internal sealed class DynamoDbPersistentState<TState>(DynamoDbGrainStorage storage, GrainStateId id) : IPersistentState<TState>
    where TState : class, new()
{
    private TState _state = new();

    public TState State
    {
        get => _state;
        set => _state = value ?? throw new ArgumentNullException(nameof(value), $"The state {id} cannot be null.");
    }

    public string? Etag { get; private set; }

    // Clear deletes the item, so a record exists exactly when there is an etag.
    public bool RecordExists => Etag is not null;

    public async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        var stored = await storage.ReadAsync(id, cancellationToken);
        if (stored is not { } record)
        {
            _state = new TState();
            Etag = null;
            return;
        }

        _state = Deserialize(record.Json);
        Etag = record.Etag;
    }

    public async Task WriteStateAsync(CancellationToken cancellationToken = default)
    {
        var json = JsonSerializer.Serialize(_state, StateSerializer.Options);

        // Only a successful write moves the etag; after a conflict the caller still holds its state and old etag.
        Etag = await storage.WriteAsync(id, json, Etag, cancellationToken);
    }

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        await storage.ClearAsync(id, Etag, cancellationToken);
        _state = new TState();
        Etag = null;
    }

    private TState Deserialize(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<TState>(json, StateSerializer.Options)
                ?? throw new JsonException("The stored JSON is null.");
        }
        catch (JsonException exception)
        {
            throw new JsonException($"The stored state {id} is not a valid {typeof(TState).Name}: {exception.Message}", exception);
        }
    }
}
