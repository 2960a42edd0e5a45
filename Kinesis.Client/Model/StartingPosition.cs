namespace KinesisGrains.Kinesis.Client;

/// <summary>Where a shard is read from: a GetShardIterator type and its argument, or a SubscribeToShard StartingPosition.</summary>
/// <param name="SequenceNumber">Required for <see cref="ShardIteratorType.AtSequenceNumber"/> and <see cref="ShardIteratorType.AfterSequenceNumber"/>.</param>
/// <param name="Timestamp">Required for <see cref="ShardIteratorType.AtTimestamp"/>.</param>
public sealed record StartingPosition(ShardIteratorType Type, string? SequenceNumber = null, DateTimeOffset? Timestamp = null)
{
    public static StartingPosition After(string sequenceNumber) => new(ShardIteratorType.AfterSequenceNumber, sequenceNumber);

    public override string ToString() => Type switch
    {
        ShardIteratorType.AtSequenceNumber => "AT_SEQUENCE_NUMBER " + SequenceNumber,
        ShardIteratorType.AfterSequenceNumber => "AFTER_SEQUENCE_NUMBER " + SequenceNumber,
        ShardIteratorType.AtTimestamp => $"AT_TIMESTAMP {Timestamp:O}",
        ShardIteratorType.TrimHorizon => "TRIM_HORIZON",
        _ => "LATEST",
    };
}
