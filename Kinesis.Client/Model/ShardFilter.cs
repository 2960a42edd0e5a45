namespace KinesisGrains.Kinesis.Client;

/// <summary>The ShardFilter of ListShards.</summary>
/// <param name="ShardId">Required for <see cref="ShardFilterType.AfterShardId"/>.</param>
/// <param name="Timestamp">Required for <see cref="ShardFilterType.AtTimestamp"/> and <see cref="ShardFilterType.FromTimestamp"/>.</param>
public sealed record ShardFilter(ShardFilterType Type, string? ShardId = null, DateTimeOffset? Timestamp = null);
