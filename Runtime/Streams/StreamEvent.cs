namespace KinesisGrains.Runtime.Streams;

/// <summary>A decoded record on its way to a grain: the key, the event, and the record it came from.</summary>
public readonly record struct StreamEvent<TEvent>(string GrainKey, TEvent Item, StreamRecord Source)
{
    public StreamEventInfo Info => new(Source.ShardId, Source.Token, Source.PartitionKey, Source.ApproximateArrivalTimestamp);
}
