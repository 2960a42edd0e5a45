using Orleans;

namespace KinesisGrains.Abstractions.Streams;

/// <summary>
/// The events of one shard's read for one partition, in shard order: the unit Orleans delivers, so a delivery
/// carries hundreds of events instead of one.
/// </summary>
/// <remarks>
/// <see cref="From"/> and <see cref="To"/> make gaps visible: the shard's events for this partition in
/// (<see cref="From"/>, <see cref="To"/>] are all here, and the receiver's previous batch for this partition ended at
/// <see cref="From"/>. A partition restored from an older snapshot than <see cref="From"/> knows it missed events.
/// </remarks>
[GenerateSerializer, Immutable]
public abstract class KeyedEventBatch
{
    /// <summary>The shard the events were read from.</summary>
    [Id(0)]
    public required string ShardId { get; init; }

    /// <summary>The partition of every key in the batch.</summary>
    [Id(1)]
    public required int Partition { get; init; }

    /// <summary>Where the receiver's previous batch for this partition ended; null when it began at the shard's start.</summary>
    [Id(2)]
    public ShardPosition? From { get; init; }

    /// <summary>The position of the last record the receiver read for this batch (a record of any partition).</summary>
    [Id(3)]
    public required ShardPosition To { get; init; }

    /// <summary>
    /// The records of (From, To] whose partition key hashes to this partition and that the message handler rejected,
    /// in shard order: the partition dead-letters them like it applies events, once (a read of only rejected records
    /// makes batches too).
    /// </summary>
    [Id(4)]
    public RejectedRecord[] Rejected { get; init; } = [];

    /// <summary>
    /// The shard's watermark once the receiver read up to <see cref="To"/>: the latest event time it has seen in the
    /// shard minus the configured out-of-orderness; null before its first record. A batch without events or rejected
    /// records carries only this (a watermark update for a partition the shard's records did not reach).
    /// </summary>
    [Id(5)]
    public DateTimeOffset? Watermark { get; init; }

    /// <summary>The shard has had no record for the configured idle timeout: partitions leave it out of their watermark until it has one.</summary>
    [Id(6)]
    public bool ShardIdle { get; init; }

    /// <summary>The events of the batch (rejected records not counted).</summary>
    public abstract int Count { get; }
}

/// <summary>A <see cref="KeyedEventBatch"/> of <typeparamref name="TEvent"/>.</summary>
[GenerateSerializer, Immutable]
public sealed class KeyedEventBatch<TEvent> : KeyedEventBatch
{
    /// <summary>The decoded events of the read for this partition, in shard order.</summary>
    [Id(0)]
    public required KeyedEvent<TEvent>[] Events { get; init; }

    /// <summary>
    /// For events keyed otherwise than they were routed (the lanes of a view routed by the primary key, a batch a grain
    /// keyed anew): by index, the key whose hash chose each event's partition. Null when that is each event's own key.
    /// A rescaled partition tells inherited events by it.
    /// </summary>
    [Id(1)]
    public string[]? RoutingKeys { get; init; }

    /// <inheritdoc/>
    public override int Count => Events.Length;

    /// <summary>
    /// The same read (shard, positions, watermark) with other events: a subset of these, or these keyed anew (each
    /// with its routing key, <see cref="RoutingKeys"/>), and <paramref name="rejected"/> as its rejected records.
    /// </summary>
    public KeyedEventBatch<TEvent> With(KeyedEvent<TEvent>[] events, string[]? routingKeys, RejectedRecord[] rejected) => new()
    {
        ShardId = ShardId,
        Partition = Partition,
        From = From,
        To = To,
        Rejected = rejected,
        Watermark = Watermark,
        ShardIdle = ShardIdle,
        Events = events,
        RoutingKeys = routingKeys,
    };
}
