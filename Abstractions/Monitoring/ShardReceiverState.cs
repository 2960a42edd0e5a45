namespace KinesisGrains.Abstractions.Monitoring;

/// <summary>Where a shard's receiver is in its life, as progress records and <c>/status</c> show it.</summary>
public enum ShardReceiverState
{
    /// <summary>Opening its iterator at the shard's checkpoint.</summary>
    Starting,
    /// <summary>Holding back until the parent shards of a split or merge are read to their end.</summary>
    WaitingForParents,
    /// <summary>Fetching records.</summary>
    Reading,
    /// <summary>The shard is closed and every record of it was delivered.</summary>
    Ended,
    /// <summary>Stopped by the silo (shutdown or the lease went to another silo).</summary>
    Stopped,
    /// <summary>Stopped by an error it could not retry; the last error says which.</summary>
    Failed,
}
