using System.Text.Json.Serialization;
using Orleans;

namespace KinesisGrains.KeyedState.Windows;

/// <summary>The windows of one key, stored as its state: the open ones, the last few closed, and its pending timer.</summary>
[GenerateSerializer]
[JsonConverter(typeof(KeyWindowsJsonConverterFactory))]
public sealed class KeyWindows<TAccumulator>
{
    /// <summary>Windows still taking events (before end + allowed lateness), by end.</summary>
    [Id(0)]
    public List<WindowSlot<TAccumulator>> Open { get; set; } = [];

    /// <summary>The most recently closed windows, oldest first (kept for queries).</summary>
    [Id(1)]
    public List<WindowSlot<TAccumulator>> Recent { get; set; } = [];

    /// <summary>The earliest event-time timer registered for this key (ms); null when none is.</summary>
    [Id(2)]
    public long? TimerAt { get; set; }
}

/// <summary>One window of a key: a value in its key's lists, so a window costs the collector no object of its own.</summary>
[GenerateSerializer]
public struct WindowSlot<TAccumulator>
{
    /// <summary>The window's start, in Unix milliseconds of event time (inclusive).</summary>
    [Id(0)]
    public long Start { get; set; }

    /// <summary>The window's end, in Unix milliseconds of event time (exclusive); a session window's end moves with its events.</summary>
    [Id(1)]
    public long End { get; set; }

    /// <summary>The aggregate of the window's events so far.</summary>
    [Id(2)]
    public TAccumulator Accumulator { get; set; }

    /// <summary>How many events the window holds.</summary>
    [Id(3)]
    public long Events { get; set; }

    /// <summary>The window's result was emitted (the watermark passed its end).</summary>
    [Id(4)]
    public bool Fired { get; set; }

    /// <summary>Results emitted for it: 1 at its end, one more for each late event within the allowed lateness.</summary>
    [Id(5)]
    public int Revision { get; set; }
}
