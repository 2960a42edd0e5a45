using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Benchmarks.State;

namespace KinesisGrains.Benchmarks.EventTime;

/// <summary>The expiring counters of the event-time benchmark, as callers see them.</summary>
public interface IExpiringCounterPartition : IKeyedStatePartition<CounterState>
{
    public const string StreamNamespace = "bench-expiring";
}
