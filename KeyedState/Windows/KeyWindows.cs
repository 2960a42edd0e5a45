namespace KinesisGrains.KeyedState.Windows;

/// <summary>The windows of one key, stored as its state: the open ones, the last few closed, and its pending timer.</summary>
public sealed class KeyWindows<TAccumulator>
{
    /// <summary>Windows still taking events (before end + allowed lateness), by end.</summary>
    public List<WindowSlot<TAccumulator>> Open { get; set; } = [];

    /// <summary>The most recently closed windows, oldest first (kept for queries).</summary>
    public List<WindowSlot<TAccumulator>> Recent { get; set; } = [];

    /// <summary>The earliest event-time timer registered for this key (ms); null when none is.</summary>
    public long? TimerAt { get; set; }
}

/// <summary>One window of a key.</summary>
public sealed class WindowSlot<TAccumulator>
{
    public long Start { get; set; }

    public long End { get; set; }

    public TAccumulator Accumulator { get; set; } = default!;

    public long Events { get; set; }

    /// <summary>The window's result was emitted (the watermark passed its end).</summary>
    public bool Fired { get; set; }

    /// <summary>Results emitted for it: 1 at its end, one more for each late event within the allowed lateness.</summary>
    public int Revision { get; set; }
}
