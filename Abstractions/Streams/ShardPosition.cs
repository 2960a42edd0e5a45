using Orleans;

namespace KinesisGrains.Abstractions.Streams;

/// <summary>
/// The position of a record in a shard: the Kinesis sequence number and, for records taken out of a KPL aggregate,
/// the sub-sequence number (0 for plain records).
/// </summary>
/// <remarks>
/// Sequence numbers are decimal strings of up to 128+ bits without leading zeros, so they order by length first and
/// then by character: no BigInteger and no allocation per comparison.
/// </remarks>
[GenerateSerializer, Immutable]
public readonly record struct ShardPosition([property: Id(0)] string SequenceNumber, [property: Id(1)] long SubSequenceNumber)
    : IComparable<ShardPosition>
{
    public int CompareTo(ShardPosition other)
    {
        var bySequence = CompareSequenceNumbers(SequenceNumber, other.SequenceNumber);
        return bySequence != 0 ? bySequence : SubSequenceNumber.CompareTo(other.SubSequenceNumber);
    }

    public static bool operator <(ShardPosition left, ShardPosition right) => left.CompareTo(right) < 0;

    public static bool operator >(ShardPosition left, ShardPosition right) => left.CompareTo(right) > 0;

    public static bool operator <=(ShardPosition left, ShardPosition right) => left.CompareTo(right) <= 0;

    public static bool operator >=(ShardPosition left, ShardPosition right) => left.CompareTo(right) >= 0;

    public static int CompareSequenceNumbers(string left, string right)
    {
        var leftDigits = left.AsSpan().TrimStart('0');
        var rightDigits = right.AsSpan().TrimStart('0');
        return leftDigits.Length != rightDigits.Length
            ? leftDigits.Length.CompareTo(rightDigits.Length)
            : leftDigits.SequenceCompareTo(rightDigits);
    }

    public override string ToString() => $"{SequenceNumber}/{SubSequenceNumber}";
}
