using KinesisGrains.Runtime.Grains;
using KinesisGrains.Runtime.Streams;

namespace KinesisGrains.Benchmarks.Receiver;

/// <summary>The JSON payload the receiver benchmark writes: about 100 bytes, like a clickstream event.</summary>
public sealed record ReceiverClick(string UserId, string Type, int Bytes, DateTimeOffset Timestamp);

public interface IReceiverCounter : IGrainWithStringKey
{
    Task<long> GetAsync();
}

public sealed class ReceiverCounterState
{
    public long Count { get; set; }
}

/// <summary>Counts the clicks of one user: the processing the receiver benchmark drains the stream into.</summary>
[GrainType("receiver-counter")]
public sealed class ReceiverCounterGrain : Grain<ReceiverCounterState>, IReceiverCounter, IStreamConsumer<ReceiverClick>
{
    public void OnNext(ReceiverClick item, in StreamEventInfo info) => State.Count++;

    public Task<long> GetAsync() => Task.FromResult(State.Count);
}
