namespace KinesisGrains.Abstractions.Monitoring;

/// <summary>
/// The earliest, latest and mean event time of the events decoded since the last drain: a receiver's decoder fills it
/// (one thread at a time), the receiver takes the latest for its shard's watermark and drains it into the commit
/// cycle's totals, which become the progress record's <c>eventTime</c> block.
/// </summary>
internal sealed class EventTimeStats
{
    // Int128: a sum of ticks of millions of events overflows a long.
    private Int128 _sumTicks;

    /// <summary>Events observed.</summary>
    public long Count { get; private set; }

    /// <summary>The earliest event time observed; null when none.</summary>
    public DateTimeOffset? Min { get; private set; }

    /// <summary>The latest event time observed; null when none.</summary>
    public DateTimeOffset? Max { get; private set; }

    /// <summary>The mean event time, to the tick; null when none.</summary>
    public DateTimeOffset? Average =>
        Count == 0 ? null : new DateTimeOffset((long)(_sumTicks / Count), TimeSpan.Zero);

    public void Observe(DateTimeOffset eventTime)
    {
        var utc = eventTime.ToUniversalTime();
        Min = Min is { } min && min <= utc ? min : utc;
        Max = Max is { } max && max >= utc ? max : utc;
        _sumTicks += utc.UtcTicks;
        Count++;
    }

    /// <summary>Adds what was observed since the last drain to <paramref name="totals"/> and starts again from nothing.</summary>
    public void DrainInto(EventTimeStats totals)
    {
        ArgumentNullException.ThrowIfNull(totals);
        if (Count > 0)
        {
            totals.Min = totals.Min is { } min && min <= Min!.Value ? min : Min;
            totals.Max = totals.Max is { } max && max >= Max!.Value ? max : Max;
            totals._sumTicks += _sumTicks;
            totals.Count += Count;
        }

        Clear();
    }

    public void Clear()
    {
        (Min, Max, _sumTicks, Count) = (null, null, 0, 0);
    }
}
