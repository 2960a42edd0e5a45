using KinesisGrains.Abstractions.Placement;
using KinesisGrains.Abstractions.Streams;
using Orleans;
using Orleans.Runtime;
using Orleans.Streams;
using OrleansToken = Orleans.Streams.StreamSequenceToken;

namespace KinesisGrains.Streaming.Kinesis;

/// <summary>
/// One delivery: the events of one shard read for one partition stream, as a single <see cref="KeyedEventBatch"/>
/// item, so the partition grain gets hundreds of events per Orleans call.
/// </summary>
[GenerateSerializer, Immutable]
internal sealed class KinesisBatchContainer(StreamId streamId, KinesisSequenceToken token, KeyedEventBatch batch) : IBatchContainer
{
    [Id(0)]
    public StreamId StreamId { get; } = streamId;

    [Id(1)]
    public KinesisSequenceToken Token { get; } = token;

    [Id(2)]
    public KeyedEventBatch Batch { get; } = batch;

    /// <summary>The silo whose receiver made the container; not serialized (only the pulling agent on that silo reads it).</summary>
    [field: NonSerialized]
    public SiloAddress? Source { get; init; }

    public OrleansToken SequenceToken => Token;

    public IEnumerable<Tuple<T, OrleansToken>> GetEvents<T>()
    {
        if (Batch is T events)
        {
            yield return Tuple.Create(events, (OrleansToken)Token);
        }
    }

    /// <summary>Names the reading silo in the delivery's RequestContext (the agent clears it after the call).</summary>
    public bool ImportRequestContext()
    {
        if (Source is null)
        {
            return false;
        }

        RequestContext.Set(StreamDeliveryContext.SourceSiloKey, Source);
        return true;
    }

    public override string ToString() => $"{StreamId} {Token}: {Batch.Count} events of {Batch.ShardId} up to {Batch.To}";
}
