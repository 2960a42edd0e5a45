namespace KinesisGrains.Silo.Configuration;

/// <summary>What a sink (<c>Sinks:{name}:Type</c>) writes to.</summary>
public enum SinkType
{
    /// <summary>A Delta Lake table on S3: exactly once, one txn per partition epoch.</summary>
    Delta = 1,

    /// <summary>A DynamoDB table, one item per key (its latest row): exactly once in effect (idempotent upserts, a per-partition epoch marker).</summary>
    DynamoDB,

    /// <summary>A Kinesis stream: at least once, every record with a row id to drop duplicates by.</summary>
    Kinesis,
}
