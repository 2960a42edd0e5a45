namespace KinesisGrains.Kinesis.Client;

/// <summary>Where a shard iterator starts.</summary>
public enum ShardIteratorType
{
    /// <summary>At a given sequence number (needs a starting sequence number).</summary>
    AtSequenceNumber,

    /// <summary>Just after a given sequence number (needs a starting sequence number): how to resume from a checkpoint.</summary>
    AfterSequenceNumber,

    /// <summary>At the oldest record still in retention.</summary>
    TrimHorizon,

    /// <summary>Just after the newest record.</summary>
    Latest,

    /// <summary>At the first record that arrived at or after a timestamp (needs a timestamp).</summary>
    AtTimestamp,
}
