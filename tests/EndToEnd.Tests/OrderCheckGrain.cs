using KinesisGrains.Grains.UserActivity;
using KinesisGrains.KeyedState.Partitions;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Streams;
using Orleans;

namespace KinesisGrains.Tests;

[GenerateSerializer]
public sealed class OrderCheckState
{
    [Id(0)]
    public long Events { get; set; }

    [Id(1)]
    public long OutOfOrder { get; set; }

    [Id(2)]
    public DateTimeOffset? Last { get; set; }

    /// <summary>Events that came at or below the sequence number before them: reordering by the reader itself, whatever the producer did.</summary>
    [Id(3)]
    public long SequenceOutOfOrder { get; set; }

    [Id(4)]
    public string? LastSequenceNumber { get; set; }

    /// <summary>The partition's event-time watermark at the key's last event.</summary>
    [Id(5)]
    public DateTimeOffset? Watermark { get; set; }

    /// <summary>Events that saw a lower watermark than the key's event before them (it must never move back).</summary>
    [Id(6)]
    public long WatermarkBackwards { get; set; }
}

public interface IOrderCheckPartition : IKeyedStatePartition<OrderCheckState>
{
    public const string StreamNamespace = "order-check";
}

/// <summary>Counts a key's events and how many came before an earlier-made one: per-key order across resharding.</summary>
public abstract class OrderCheckPartitionBase : KeyedStatePartitionGrain<ClickEvent, OrderCheckState>
{
    protected override void Apply(string key, OrderCheckState state, ClickEvent item, in StreamEventInfo info)
    {
        state.Events++;
        if (state.Last is { } last && item.Timestamp <= last)
        {
            state.OutOfOrder++;
        }

        state.Last = item.Timestamp;
        if (state.LastSequenceNumber is { } lastSequence && Abstractions.Streams.ShardPosition.CompareSequenceNumbers(info.Token.SequenceNumber, lastSequence) <= 0)
        {
            state.SequenceOutOfOrder++;
        }

        state.LastSequenceNumber = info.Token.SequenceNumber;
        if (Watermark is { } watermark)
        {
            if (state.Watermark is { } previous && watermark < previous)
            {
                state.WatermarkBackwards++;
            }

            state.Watermark = watermark;
        }
    }
}

[ImplicitStreamSubscription(IOrderCheckPartition.StreamNamespace)]
public sealed class OrderCheckPartitionGrain : OrderCheckPartitionBase, IOrderCheckPartition
{
    protected override string StateName => "order-check";
}

/// <summary>Reads order-check states through an Orleans client.</summary>
public static class OrderChecks
{
    public static Task<OrderCheckState?> GetAsync<TPartition>(IGrainFactory grains, string key, int partitionCount = 8)
        where TPartition : IKeyedStatePartition<OrderCheckState> =>
        grains.GetPartitionOf<TPartition>(key, partitionCount).GetAsync(key);
}
