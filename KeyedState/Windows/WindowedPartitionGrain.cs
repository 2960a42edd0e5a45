using System.Runtime.InteropServices;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Abstractions.Windows;
using KinesisGrains.KeyedState.Partitions;
using KinesisGrains.KeyedState.Timers;

namespace KinesisGrains.KeyedState.Windows;

/// <summary>
/// A partition that aggregates each key's events in event-time windows (tumbling, sliding or session) on timers:
/// a window's result is emitted to the sinks when the watermark passes its end, updated for late events within
/// <see cref="AllowedLateness"/>, and final after it; an event later than that goes to the dead letters with reason
/// <c>late</c> (counted), never dropped silently. Window contents, timers and emitted rows are written in one atomic
/// batch, so a window fires once in the output whatever is killed or replayed.
/// </summary>
/// <remarks>One event-time timer per key at a time: when it fires it closes what is due and sets the next.</remarks>
public abstract class WindowedPartitionGrain<TEvent, TAccumulator, TResult>
    : KeyedStatePartitionGrain<TEvent, KeyWindows<TAccumulator>, WindowRow<TResult>>, IWindowedPartition<TResult>
{
    private readonly List<(long Start, long End)> _assigned = [];
    private readonly List<int> _merging = [];

    /// <summary>Which windows an event belongs to.</summary>
    protected abstract WindowAssigner Windows { get; }

    /// <summary>How a window folds its events.</summary>
    protected abstract WindowAggregate<TEvent, TAccumulator, TResult> Aggregate { get; }

    /// <summary>How long after its end a window still takes late events (each re-emits it); default none.</summary>
    protected virtual TimeSpan AllowedLateness => TimeSpan.Zero;

    /// <summary>Closed windows kept per key for queries.</summary>
    protected virtual int RecentWindowsKept => 10;

    /// <summary>Puts the event in each window its event time falls in; late events go to the side output.</summary>
    protected sealed override void Apply(string key, KeyWindows<TAccumulator> state, TEvent item, in StreamEventInfo info)
    {
        var time = info.EventTime.ToUnixTimeMilliseconds();
        var watermark = Watermark?.ToUnixTimeMilliseconds();
        var lateness = (long)AllowedLateness.TotalMilliseconds;
        _assigned.Clear();
        Windows.Assign(time, _assigned);
        var accepted = Windows.Merges
            ? AddToSession(key, state, item, _assigned[0], watermark, lateness)
            : AddToWindows(key, state, item, watermark, lateness);
        if (!accepted)
        {
            SideOutputLate($"late: event time {info.EventTime:O} is more than the allowed lateness {AllowedLateness} behind the watermark {Watermark:O} for its {Windows} window(s)");
            return;
        }

        ArmTimer(state, lateness);
    }

    /// <summary>Emits the windows whose end (plus the allowed lateness) the watermark passed, keeping the last few for queries.</summary>
    protected sealed override void OnTimer(string key, KeyWindows<TAccumulator> state, in TimerFiring timer)
    {
        var now = timer.Time.ToUnixTimeMilliseconds();
        if (timer.Domain != TimeDomain.EventTime)
        {
            return;
        }

        if (state.TimerAt is { } at && at <= now)
        {
            state.TimerAt = null;
        }

        // The watermark may be past the timer: close everything it made due, in end order.
        var watermark = Math.Max(now, Watermark?.ToUnixTimeMilliseconds() ?? now);
        var lateness = (long)AllowedLateness.TotalMilliseconds;
        for (var i = 0; i < state.Open.Count; i++)
        {
            ref var slot = ref CollectionsMarshal.AsSpan(state.Open)[i];
            if (!slot.Fired && slot.End - 1 <= watermark)
            {
                slot.Fired = true;
                EmitResult(key, ref slot);
            }

            if (slot.End - 1 + lateness <= watermark)
            {
                var closed = slot;
                state.Open.RemoveAt(i--);
                state.Recent.Add(closed);
            }
        }

        if (state.Recent.Count > RecentWindowsKept)
        {
            state.Recent.RemoveRange(0, state.Recent.Count - RecentWindowsKept);
        }

        ArmTimer(state, lateness);
    }

    /// <summary>Windows that merge (sessions) are not merged part by part: a key's sessions are one partition's by nature.</summary>
    protected override bool MergesParts => !Windows.Merges;

    /// <summary>Two parts of a key's windows: a window in both gets both accumulators merged and the furthest either part had fired it.</summary>
    protected override KeyWindows<TAccumulator> MergeParts(string key, KeyWindows<TAccumulator> left, KeyWindows<TAccumulator> right)
    {
        var slots = new Dictionary<(long Start, long End), (WindowSlot<TAccumulator> Slot, bool Open)>();
        foreach (var (slot, open) in left.Open.Select(s => (s, true)).Concat(left.Recent.Select(s => (s, false)))
                     .Concat(right.Open.Select(s => (s, true))).Concat(right.Recent.Select(s => (s, false))))
        {
            if (slots.TryGetValue((slot.Start, slot.End), out var known))
            {
                slots[(slot.Start, slot.End)] = (new WindowSlot<TAccumulator>
                {
                    Start = slot.Start,
                    End = slot.End,
                    Accumulator = Aggregate.Merge(known.Slot.Accumulator, slot.Accumulator),
                    Events = known.Slot.Events + slot.Events,
                    Fired = known.Slot.Fired || slot.Fired,
                    Revision = Math.Max(known.Slot.Revision, slot.Revision),
                }, known.Open || open);
            }
            else
            {
                slots[(slot.Start, slot.End)] = (slot, open);
            }
        }

        var ordered = slots.Values.OrderBy(s => s.Slot.End).ThenBy(s => s.Slot.Start).ToList();
        var recent = ordered.Where(s => !s.Open).Select(s => s.Slot).ToList();
        return new KeyWindows<TAccumulator>
        {
            Open = [.. ordered.Where(s => s.Open).Select(s => s.Slot)],
            Recent = recent.Skip(Math.Max(0, recent.Count - RecentWindowsKept)).ToList(),
            TimerAt = left.TimerAt is { } l && right.TimerAt is { } r ? Math.Min(l, r) : left.TimerAt ?? right.TimerAt,
        };
    }

    /// <summary>A key whose windows all closed waits for its next event, often minutes away.</summary>
    private protected sealed override bool IsIdle(KeyWindows<TAccumulator> state) => state.Open.Count == 0;

    /// <summary>The key's open windows, with their results so far.</summary>
    public Task<WindowResult<TResult>[]> GetWindowsAsync(string key) =>
        Task.FromResult(StateOf(key) is { } state
            ? [.. state.Recent.Select(s => ResultOf(s, closed: true)), .. state.Open.Select(s => ResultOf(s, closed: false))]
            : Array.Empty<WindowResult<TResult>>());

    private WindowResult<TResult> ResultOf(WindowSlot<TAccumulator> slot, bool closed) =>
        new(DateTimeOffset.FromUnixTimeMilliseconds(slot.Start), DateTimeOffset.FromUnixTimeMilliseconds(slot.End), Aggregate.GetResult(slot.Accumulator), slot.Events, slot.Fired, closed);

    private bool AddToWindows(string key, KeyWindows<TAccumulator> state, TEvent item, long? watermark, long lateness)
    {
        var accepted = false;
        foreach (var (start, end) in _assigned)
        {
            // Flink's rule: a window whose cleanup time (last instant + lateness) the watermark reached takes nothing.
            if (watermark is { } w && end - 1 + lateness <= w)
            {
                continue;
            }

            accepted = true;
            var index = FindOrOpen(state, start, end);
            ref var slot = ref CollectionsMarshal.AsSpan(state.Open)[index];
            slot.Accumulator = Aggregate.Add(slot.Accumulator, item);
            slot.Events++;
            if (slot.Fired)
            {
                EmitResult(key, ref slot);
            }
        }

        return accepted;
    }

    private bool AddToSession(string key, KeyWindows<TAccumulator> state, TEvent item, (long Start, long End) window, long? watermark, long lateness)
    {
        // Every open session the event's window overlaps merges with it into one.
        _merging.Clear();
        long start = window.Start, end = window.End;
        for (var i = 0; i < state.Open.Count; i++)
        {
            if (state.Open[i].Start < end && start < state.Open[i].End)
            {
                _merging.Add(i);
            }
        }

        if (_merging.Count == 0 && watermark is { } w && end - 1 + lateness <= w)
        {
            return false;
        }

        var merged = new WindowSlot<TAccumulator> { Accumulator = Aggregate.CreateAccumulator() };
        foreach (var index in _merging)
        {
            var slot = state.Open[index];
            start = Math.Min(start, slot.Start);
            end = Math.Max(end, slot.End);
            merged.Accumulator = Aggregate.Merge(merged.Accumulator, slot.Accumulator);
            merged.Events += slot.Events;
            merged.Revision = Math.Max(merged.Revision, slot.Revision);
        }

        merged.Start = start;
        merged.End = end;
        merged.Accumulator = Aggregate.Add(merged.Accumulator, item);
        merged.Events++;
        foreach (var index in _merging)
        {
            // A session that had emitted a result and is now part of another (with a different start) is retracted.
            var slot = state.Open[index];
            if (slot.Fired && slot.Start != merged.Start && EmitsRows)
            {
                Emit(new WindowRow<TResult>(key, DateTimeOffset.FromUnixTimeMilliseconds(slot.Start), DateTimeOffset.FromUnixTimeMilliseconds(slot.End), Aggregate.GetResult(slot.Accumulator), slot.Events, slot.Revision + 1, Retracted: true));
            }
        }

        for (var i = _merging.Count - 1; i >= 0; i--)
        {
            state.Open.RemoveAt(_merging[i]);
        }

        if (watermark is { } wm && merged.End - 1 <= wm)
        {
            // Late but within the lateness: the merged session is due already.
            merged.Fired = true;
            EmitResult(key, ref merged);
        }

        InsertByEnd(state, merged);
        return true;
    }

    /// <summary>The index of the key's open window [start, end), opened empty if it has none.</summary>
    private int FindOrOpen(KeyWindows<TAccumulator> state, long start, long end)
    {
        for (var i = 0; i < state.Open.Count; i++)
        {
            if (state.Open[i].Start == start && state.Open[i].End == end)
            {
                return i;
            }
        }

        return InsertByEnd(state, new WindowSlot<TAccumulator> { Start = start, End = end, Accumulator = Aggregate.CreateAccumulator() });
    }

    private static int InsertByEnd(KeyWindows<TAccumulator> state, WindowSlot<TAccumulator> slot)
    {
        var at = state.Open.Count;
        while (at > 0 && state.Open[at - 1].End > slot.End)
        {
            at--;
        }

        state.Open.Insert(at, slot);
        return at;
    }

    private void EmitResult(string key, ref WindowSlot<TAccumulator> slot)
    {
        slot.Revision++;
        if (!EmitsRows)
        {
            return;
        }

        Emit(new WindowRow<TResult>(key, DateTimeOffset.FromUnixTimeMilliseconds(slot.Start), DateTimeOffset.FromUnixTimeMilliseconds(slot.End), Aggregate.GetResult(slot.Accumulator), slot.Events, slot.Revision, Retracted: false));
    }

    /// <summary>Keeps one timer at the key's next due instant: a window's end (its result) or its end plus the lateness (its close).</summary>
    private void ArmTimer(KeyWindows<TAccumulator> state, long lateness)
    {
        long? next = null;
        foreach (var slot in state.Open)
        {
            var due = slot.Fired ? slot.End - 1 + lateness : slot.End - 1;
            next = next is { } n ? Math.Min(n, due) : due;
        }

        if (next is { } time && (state.TimerAt is not { } at || time < at))
        {
            RegisterTimer(TimeDomain.EventTime, DateTimeOffset.FromUnixTimeMilliseconds(time));
            state.TimerAt = time;
        }
    }
}
