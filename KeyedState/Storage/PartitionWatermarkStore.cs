using System.Buffers.Binary;
using KinesisGrains.KeyedState.EventTime;

namespace KinesisGrains.KeyedState.Storage;

/// <summary>
/// A partition's watermarks in its store: per shard its watermark and whether it ended, and the partition's own.
/// Written in the same atomic batch as the states they go with, so a restore resumes the watermark the state saw.
/// </summary>
internal static class PartitionWatermarkStore
{
    private const byte HasValue = 1;
    private const byte Ended = 2;

    public static PartitionWatermark Load(IKeyValueStore store)
    {
        var shards = new List<KeyValuePair<string, KnownShardWatermark>>();
        var (lower, upper) = StateKeys.ShardWatermarkRange;
        store.Scan(lower, upper, (key, value) =>
        {
            var flags = value[0];
            long? watermark = (flags & HasValue) != 0 ? BinaryPrimitives.ReadInt64BigEndian(value[1..]) : null;
            shards.Add(KeyValuePair.Create(StateKeys.ShardIdOf(key), new KnownShardWatermark(watermark, Idle: false, (flags & Ended) != 0)));
            return true;
        });

        long? current = store.Get(StateKeys.PartitionWatermark) is { Length: sizeof(long) } bytes ? BinaryPrimitives.ReadInt64BigEndian(bytes) : null;
        return new PartitionWatermark(shards, current);
    }

    /// <summary>Adds the watermarks that changed since the last call to <paramref name="batch"/>.</summary>
    public static void Put(IKeyValueBatch batch, PartitionWatermark watermark)
    {
        if (!watermark.HasChanges)
        {
            return;
        }

        var (shards, current) = watermark.TakeChanged();
        Put(batch, shards, current);
    }

    /// <summary>Adds <paramref name="shards"/>' watermarks and the partition's (when known) to <paramref name="batch"/>.</summary>
    public static void Put(IKeyValueBatch batch, IEnumerable<KeyValuePair<string, KnownShardWatermark>> shards, long? current)
    {
        Span<byte> value = stackalloc byte[1 + sizeof(long)];
        foreach (var (shardId, shard) in shards)
        {
            value[0] = (byte)((shard.Value is null ? 0 : HasValue) | (shard.Ended ? Ended : 0));
            BinaryPrimitives.WriteInt64BigEndian(value[1..], shard.Value ?? 0);
            batch.Put(StateKeys.ShardWatermark(shardId), value);
        }

        if (current is { } c)
        {
            BinaryPrimitives.WriteInt64BigEndian(value, c);
            batch.Put(StateKeys.PartitionWatermark, value[..sizeof(long)]);
        }
    }
}
