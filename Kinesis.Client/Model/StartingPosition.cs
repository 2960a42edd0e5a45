namespace KinesisGrains.Kinesis.Client;

/// <summary>Where a shard is read from: a GetShardIterator type and its argument, or a SubscribeToShard StartingPosition.</summary>
/// <param name="SequenceNumber">Required for <see cref="ShardIteratorType.AtSequenceNumber"/> and <see cref="ShardIteratorType.AfterSequenceNumber"/>.</param>
/// <param name="Timestamp">Required for <see cref="ShardIteratorType.AtTimestamp"/>.</param>
public sealed record StartingPosition(ShardIteratorType Type, string? SequenceNumber = null, DateTimeOffset? Timestamp = null)
{
    /// <summary>Right after the record <paramref name="sequenceNumber"/> (a checkpoint, or a subscription's continuation).</summary>
    public static StartingPosition After(string sequenceNumber) => new(ShardIteratorType.AfterSequenceNumber, sequenceNumber);

    /// <summary>As Kinesis names it, for logs: <c>AFTER_SEQUENCE_NUMBER 4959...</c>, <c>TRIM_HORIZON</c>.</summary>
    public override string ToString() => Type switch
    {
        ShardIteratorType.AtSequenceNumber => "AT_SEQUENCE_NUMBER " + SequenceNumber,
        ShardIteratorType.AfterSequenceNumber => "AFTER_SEQUENCE_NUMBER " + SequenceNumber,
        ShardIteratorType.AtTimestamp => $"AT_TIMESTAMP {Timestamp:O}",
        ShardIteratorType.TrimHorizon => "TRIM_HORIZON",
        _ => "LATEST",
    };
}
