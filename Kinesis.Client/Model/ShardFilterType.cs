namespace KinesisGrains.Kinesis.Client;

/// <summary>Which shards ListShards returns (kinesalite ignores the filter).</summary>
public enum ShardFilterType
{
    /// <summary>Shards after <see cref="ShardFilter.ShardId"/>.</summary>
    AfterShardId,

    /// <summary>Shards open at the trim horizon.</summary>
    AtTrimHorizon,

    /// <summary>Every shard still in retention (the service default).</summary>
    FromTrimHorizon,

    /// <summary>Open shards only.</summary>
    AtLatest,

    /// <summary>Shards open at <see cref="ShardFilter.Timestamp"/>.</summary>
    AtTimestamp,

    /// <summary>Shards closed at or after <see cref="ShardFilter.Timestamp"/>, plus open shards.</summary>
    FromTimestamp,
}
