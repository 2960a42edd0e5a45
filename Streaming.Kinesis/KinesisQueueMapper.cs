using System.Globalization;
using Orleans.Runtime;
using Orleans.Streams;

namespace KinesisGrains.Streaming.Kinesis;

/// <summary>
/// One Orleans queue per Kinesis shard: <c>shardId-000000000007</c> is queue 7 of the provider. The set of queues
/// changes with resharding, so <see cref="GetAllQueues"/> is whatever shards are known now; the
/// <see cref="KinesisQueueBalancer"/> decides which ones this silo reads.
/// </summary>
internal sealed class KinesisQueueMapper(string providerName, Func<IEnumerable<string>> knownShards) : IStreamQueueMapper
{
    private const string ShardIdPrefix = "shardId-";

    public QueueId QueueOf(string shardId) => QueueId.GetQueueId(providerName, NumberOf(shardId), NumberOf(shardId));

    public static string ShardIdOf(QueueId queue) => ShardIdPrefix + queue.GetNumericId().ToString("D12", CultureInfo.InvariantCulture);

    public IEnumerable<QueueId> GetAllQueues() => knownShards().Select(QueueOf);

    /// <summary>Streams are partitions fed by every shard: no single queue owns one. The provider is read-only.</summary>
    public QueueId GetQueueForStream(StreamId streamId) => QueueId.GetQueueId(providerName, 0, 0);

    private static uint NumberOf(string shardId) =>
        shardId.StartsWith(ShardIdPrefix, StringComparison.Ordinal) && uint.TryParse(shardId.AsSpan(ShardIdPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new ArgumentException($"'{shardId}' is not a Kinesis shard id (shardId-NNNNNNNNNNNN).", nameof(shardId));
}
