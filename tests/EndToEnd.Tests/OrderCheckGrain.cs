using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Runtime.Grains;
using KinesisGrains.Runtime.Streams;

namespace KinesisGrains.Tests;

public interface IOrderCheck : IGrainWithStringKey
{
    Task<OrderCheckState> GetAsync();
}

public sealed class OrderCheckState
{
    public long Events { get; set; }

    public long OutOfOrder { get; set; }

    public DateTimeOffset? Last { get; set; }

    /// <summary>Events that came at or below the sequence number before them: reordering by the reader itself, whatever the producer did.</summary>
    public long SequenceOutOfOrder { get; set; }

    public string? LastSequenceNumber { get; set; }
}

/// <summary>Counts a key's events and how many came before an earlier-made one: per-key order across resharding.</summary>
[GrainType("order-check")]
public class OrderCheckGrain : Grain<OrderCheckState>, IOrderCheck, IStreamConsumer<ClickEvent>
{
    public virtual void OnNext(ClickEvent item, in StreamEventInfo info)
    {
        State.Events++;
        if (State.Last is { } last && item.Timestamp <= last)
        {
            State.OutOfOrder++;
        }

        State.Last = item.Timestamp;
        if (State.LastSequenceNumber is { } lastSequence && StreamSequenceToken.CompareSequenceNumbers(info.Token.SequenceNumber, lastSequence) <= 0)
        {
            State.SequenceOutOfOrder++;
        }

        State.LastSequenceNumber = info.Token.SequenceNumber;
    }

    public Task<OrderCheckState> GetAsync() => Task.FromResult(State);
}
