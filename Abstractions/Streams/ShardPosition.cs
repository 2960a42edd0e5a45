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
    /// <summary>Orders positions within a shard: by sequence number (as a number), then by KPL sub-sequence number.</summary>
    public int CompareTo(ShardPosition other)
    {
        var bySequence = CompareSequenceNumbers(SequenceNumber, other.SequenceNumber);
        return bySequence != 0 ? bySequence : SubSequenceNumber.CompareTo(other.SubSequenceNumber);
    }

    /// <summary>True when <paramref name="left"/> comes before <paramref name="right"/> in the shard.</summary>
    public static bool operator <(ShardPosition left, ShardPosition right) => left.CompareTo(right) < 0;

    /// <summary>True when <paramref name="left"/> comes after <paramref name="right"/> in the shard.</summary>
    public static bool operator >(ShardPosition left, ShardPosition right) => left.CompareTo(right) > 0;

    /// <summary>True when <paramref name="left"/> is not after <paramref name="right"/>.</summary>
    public static bool operator <=(ShardPosition left, ShardPosition right) => left.CompareTo(right) <= 0;

    /// <summary>True when <paramref name="left"/> is not before <paramref name="right"/>.</summary>
    public static bool operator >=(ShardPosition left, ShardPosition right) => left.CompareTo(right) >= 0;

    /// <summary>Compares two Kinesis sequence numbers as the decimal numbers they are (they outgrow 64 bits).</summary>
    public static int CompareSequenceNumbers(string left, string right)
    {
        var leftDigits = left.AsSpan().TrimStart('0');
        var rightDigits = right.AsSpan().TrimStart('0');
        return leftDigits.Length != rightDigits.Length
            ? leftDigits.Length.CompareTo(rightDigits.Length)
            : leftDigits.SequenceCompareTo(rightDigits);
    }

    /// <summary><c>sequence/sub-sequence</c>, as logs and lease rows show a position.</summary>
    public override string ToString() => $"{SequenceNumber}/{SubSequenceNumber}";
}
