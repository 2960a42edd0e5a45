using Orleans;

namespace KinesisGrains.Abstractions.Windows;

/// <summary>One window of a key as a query sees it: open (still collecting) or recently closed.</summary>
/// <param name="Start">The window's first instant (inclusive).</param>
/// <param name="End">The window's end (exclusive).</param>
/// <param name="Value">The aggregate over the window's events so far.</param>
/// <param name="Events">How many events the window holds.</param>
/// <param name="Fired">The watermark passed the window's end: its result was emitted (later values within the allowed lateness are updates).</param>
/// <param name="Closed">The watermark passed the end plus the allowed lateness: the value is final.</param>
[GenerateSerializer, Immutable]
public sealed record WindowResult<TResult>(
    [property: Id(0)] DateTimeOffset Start,
    [property: Id(1)] DateTimeOffset End,
    [property: Id(2)] TResult Value,
    [property: Id(3)] long Events,
    [property: Id(4)] bool Fired,
    [property: Id(5)] bool Closed);
