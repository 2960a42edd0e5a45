using KinesisGrains.KeyedState.Windows;
using Orleans;

namespace KinesisGrains.Benchmarks.EventTime;

/// <summary>Events per key per session (30 minutes without an event close one): the window library's session windows.</summary>
[ImplicitStreamSubscription(ISessionCountPartition.StreamNamespace)]
public sealed class SessionCountPartitionGrain : WindowedPartitionGrain<long, long, long>, ISessionCountPartition
{
    public static readonly TimeSpan Gap = TimeSpan.FromMinutes(30);

    private static readonly WindowAssigner s_windows = WindowAssigner.Session(Gap);
    private static readonly WindowAggregate<long, long, long> s_count = WindowAggregates.Count<long>();

    protected override string StateName => "bench-sessions";

    protected override WindowAssigner Windows => s_windows;

    protected override WindowAggregate<long, long, long> Aggregate => s_count;
}
