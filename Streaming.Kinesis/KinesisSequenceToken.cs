using Orleans;
using Orleans.Streams;

namespace KinesisGrains.Streaming.Kinesis;

/// <summary>
/// Orders a receiver's batch containers for Orleans' queue cache: <see cref="SequenceNumber"/> counts the receiver's
/// reads (seeded from the clock, so a receiver started later orders after an earlier one) and
/// <see cref="EventIndex"/> the containers of one read. Kinesis positions travel in the batch itself.
/// </summary>
[GenerateSerializer, Immutable]
internal sealed class KinesisSequenceToken : StreamSequenceToken
{
    public KinesisSequenceToken(long sequenceNumber, int eventIndex)
    {
        SequenceNumber = sequenceNumber;
        EventIndex = eventIndex;
    }

    [Id(0)]
    public override long SequenceNumber { get; protected set; }

    [Id(1)]
    public override int EventIndex { get; protected set; }

    public override bool Equals(StreamSequenceToken? other) =>
        other is not null && other.SequenceNumber == SequenceNumber && other.EventIndex == EventIndex;

    public override bool Equals(object? obj) => obj is StreamSequenceToken other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(SequenceNumber, EventIndex);

    public override int CompareTo(StreamSequenceToken? other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var bySequence = SequenceNumber.CompareTo(other.SequenceNumber);
        return bySequence != 0 ? bySequence : EventIndex.CompareTo(other.EventIndex);
    }

    public override string ToString() => $"[{SequenceNumber}.{EventIndex}]";
}
