namespace KinesisGrains.Streaming.Kinesis.Source;

/// <summary>
/// How receivers track event time: where an event's time comes from, how far out of order events may arrive in a
/// shard (bounded out-of-orderness, as Flink's watermark strategy), when a quiet shard stops holding partitions'
/// watermarks back (Flink's <c>withIdleness</c>), and how often partitions hear of a shard's watermark between its
/// records. <see cref="EventTimeOptionsValidator"/> holds their rules.
/// </summary>
public sealed class EventTimeOptions
{
    /// <summary>
    /// Arrival (default): Kinesis' ApproximateArrivalTimestamp; Event: the stream provider's event-time extractor
    /// (<c>AddKinesisStreams(..., eventTime: e =&gt; e.Timestamp)</c>; giving one makes Event the default).
    /// </summary>
    public EventTimeSource Source { get; set; } = EventTimeSource.Arrival;

    /// <summary>
    /// How much earlier than the latest event time read in a shard a later event of the shard may still be: a shard's
    /// watermark is that latest time minus this. 0 by default, for arrival times, which Kinesis stamps nearly in
    /// order; producers' clocks (<see cref="EventTimeSource.Event"/>) need the largest skew expected between them.
    /// </summary>
    public TimeSpan OutOfOrderness { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// A shard from which no event was read for this long, with nothing waiting to be read, counts as idle:
    /// partitions leave it out of their watermark until it has an event again; 0 never counts a shard as idle.
    /// 30 s by default: three times the lease failover time and six times the throttle back-off, so a shard that
    /// changes hands or backs off is not taken for a quiet one (its records would turn late), while a minute's
    /// window still closes within half a minute of a shard falling silent.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The shortest time between two watermark updates a shard's receiver sends (a batch of no events to each
    /// partition it fed that its newest records did not reach); 200 ms by default, Flink's auto-watermark interval.
    /// Without them a partition would learn a shard's watermark only at checkpoint barriers.
    /// </summary>
    public TimeSpan WatermarkInterval { get; set; } = TimeSpan.FromMilliseconds(200);
}
