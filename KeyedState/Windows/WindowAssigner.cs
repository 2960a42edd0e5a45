namespace KinesisGrains.KeyedState.Windows;

/// <summary>
/// Which windows an event belongs to, by its event time: tumbling (fixed, back to back), sliding (fixed, overlapping
/// every slide) or session (a gap of inactivity closes one). Times are ms since the Unix epoch; a window is
/// [start, end).
/// </summary>
public abstract class WindowAssigner
{
    private protected WindowAssigner()
    {
    }

    /// <summary>Windows of <paramref name="size"/> back to back, aligned to the Unix epoch plus <paramref name="offset"/> (Flink's TumblingEventTimeWindows).</summary>
    public static WindowAssigner Tumbling(TimeSpan size, TimeSpan offset = default) => new SlidingWindows(size, size, offset);

    /// <summary>Windows of <paramref name="size"/> starting every <paramref name="slide"/>: an event is in size/slide of them (Flink's SlidingEventTimeWindows, Kafka's hopping windows).</summary>
    public static WindowAssigner Sliding(TimeSpan size, TimeSpan slide, TimeSpan offset = default) => new SlidingWindows(size, slide, offset);

    /// <summary>Per key, events closer than <paramref name="gap"/> to each other form one session; a gap of inactivity closes it (Flink's EventTimeSessionWindows).</summary>
    public static WindowAssigner Session(TimeSpan gap) => new SessionWindows(gap);

    /// <summary>True for session windows: an event's window merges with the key's windows it overlaps.</summary>
    public abstract bool Merges { get; }

    /// <summary>Adds the windows <paramref name="time"/> falls in to <paramref name="into"/>.</summary>
    public abstract void Assign(long time, List<(long Start, long End)> into);

    /// <summary>What it is, for logs and errors (e.g. <c>tumbling 00:01:00</c>).</summary>
    public abstract override string ToString();

    private sealed class SlidingWindows : WindowAssigner
    {
        private readonly long _size;
        private readonly long _slide;
        private readonly long _offset;

        public SlidingWindows(TimeSpan size, TimeSpan slide, TimeSpan offset)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(size, TimeSpan.FromMilliseconds(1));
            ArgumentOutOfRangeException.ThrowIfLessThan(slide, TimeSpan.FromMilliseconds(1));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(slide, size);
            _size = (long)size.TotalMilliseconds;
            _slide = (long)slide.TotalMilliseconds;
            _offset = (long)offset.TotalMilliseconds;
        }

        public override bool Merges => false;

        public override void Assign(long time, List<(long Start, long End)> into)
        {
            // The last window starting at or before the event, then back one slide at a time while it still holds it.
            var lastStart = time - FloorMod(time - _offset, _slide);
            for (var start = lastStart; start > time - _size; start -= _slide)
            {
                into.Add((start, start + _size));
            }
        }

        public override string ToString() => _size == _slide
            ? $"tumbling {TimeSpan.FromMilliseconds(_size)}"
            : $"sliding {TimeSpan.FromMilliseconds(_size)} every {TimeSpan.FromMilliseconds(_slide)}";

        private static long FloorMod(long value, long divisor) => ((value % divisor) + divisor) % divisor;
    }

    private sealed class SessionWindows : WindowAssigner
    {
        private readonly long _gap;

        public SessionWindows(TimeSpan gap)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(gap, TimeSpan.FromMilliseconds(1));
            _gap = (long)gap.TotalMilliseconds;
        }

        public override bool Merges => true;

        public override void Assign(long time, List<(long Start, long End)> into) => into.Add((time, time + _gap));

        public override string ToString() => $"session gap {TimeSpan.FromMilliseconds(_gap)}";
    }
}
