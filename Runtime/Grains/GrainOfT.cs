using KinesisGrains.Runtime.Serialization;

namespace KinesisGrains.Runtime.Grains;

/// <summary>A grain with persistent state of type <typeparamref name="TState"/>, kept in the partition's store.</summary>
public abstract class Grain<TState> : Grain
    where TState : class, new()
{
    /// <summary>The state: a fresh <typeparamref name="TState"/> for a key never seen, else what was last written.</summary>
    protected TState State { get; set; } = new();

    internal override void LoadState(ReadOnlySpan<byte> persisted) =>
        State = persisted.IsEmpty ? new TState() : StateSerializer.Deserialize<TState>(persisted);

    internal override void WriteState(System.Text.Json.Utf8JsonWriter writer) => StateSerializer.Serialize(writer, State);
}
