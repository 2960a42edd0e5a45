namespace KinesisGrains.Kinesis.Client;

/// <summary>Sequence numbers of a shard; sequence numbers are decimal strings, compare them as big integers.</summary>
public sealed record SequenceNumberRange(string StartingSequenceNumber, string? EndingSequenceNumber)
{
    /// <summary>A closed shard (split or merged away) takes no more writes but can still be read to its end.</summary>
    public bool IsClosed => EndingSequenceNumber is not null;
}
