using Orleans;

namespace KinesisGrains.Abstractions.Streams;

/// <summary>A decoded record on its way to the partition that holds its key: the key, the event and where it came from.</summary>
[GenerateSerializer, Immutable]
public readonly record struct KeyedEvent<TEvent>(
    [property: Id(0)] string Key,
    [property: Id(1)] TEvent Item,
    [property: Id(2)] StreamEventInfo Info);
