using Orleans;

namespace KinesisGrains.Tests.EventTime;

/// <summary>An event of the event-time tests: its key and a number the grains use (a timer's time, a value).</summary>
[GenerateSerializer, Immutable]
public sealed record TestEvent([property: Id(0)] string Key, [property: Id(1)] long Value);

/// <summary>A per-key count.</summary>
[GenerateSerializer]
public sealed class CounterState
{
    [Id(0)]
    public long Count { get; set; }
}

/// <summary>The row a timer emits when it fires.</summary>
public readonly record struct FiredRow(string Key, long Time);
