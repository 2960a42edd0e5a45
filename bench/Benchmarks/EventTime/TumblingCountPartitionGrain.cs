using KinesisGrains.KeyedState.Windows;
using Orleans;

namespace KinesisGrains.Benchmarks.EventTime;

/// <summary>Events per key per minute of event time: the window library's tumbling count, as a user writes it.</summary>
[ImplicitStreamSubscription(ITumblingCountPartition.StreamNamespace)]
public sealed class TumblingCountPartitionGrain : WindowedPartitionGrain<long, long, long>, ITumblingCountPartition
{
    public static readonly TimeSpan Size = TimeSpan.FromMinutes(1);

    private static readonly WindowAssigner s_windows = WindowAssigner.Tumbling(Size);
    private static readonly WindowAggregate<long, long, long> s_count = WindowAggregates.Count<long>();

    protected override string StateName => "bench-tumbling";

    protected override WindowAssigner Windows => s_windows;

    protected override WindowAggregate<long, long, long> Aggregate => s_count;
}
