namespace KinesisGrains.Streaming.Kinesis.Source;

/// <summary>Where an event's event time comes from (<see cref="EventTimeOptions.Source"/>).</summary>
public enum EventTimeSource
{
    /// <summary>The record's ApproximateArrivalTimestamp, set by Kinesis when the record was written.</summary>
    Arrival,

    /// <summary>A time in the event itself, taken by the event-time extractor given to the stream provider.</summary>
    Event,
}
