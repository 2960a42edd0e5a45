using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.KeyedState.Partitions;
using KinesisGrains.KeyedState.Timers;
using KinesisGrains.KeyedState.Windows;
using Orleans;

namespace KinesisGrains.Tests.EventTime;

/// <summary>Takes batches straight from the test (no stream provider), in order, and says where its watermark is.</summary>
public interface ITestPartition : IKeyedStatePartition<CounterState>
{
    Task DeliverAsync(KeyedEventBatch<TestEvent> batch);

    Task<DateTimeOffset?> GetWatermarkAsync();

    Task DeactivateAsync();
}

public interface ITestWindowPartition : Abstractions.Windows.IWindowedPartition<long>
{
    Task DeliverAsync(KeyedEventBatch<TestEvent> batch);
}

/// <summary>Events per key per minute, 30 s of allowed lateness.</summary>
public sealed class TumblingCountGrain : WindowedPartitionGrain<TestEvent, long, long>, ITestWindowPartition
{
    protected override string StateName => "tumbling";

    protected override WindowAssigner Windows { get; } = WindowAssigner.Tumbling(TimeSpan.FromMinutes(1));

    protected override WindowAggregate<TestEvent, long, long> Aggregate { get; } = WindowAggregates.Count<TestEvent>();

    protected override TimeSpan AllowedLateness => TimeSpan.FromSeconds(30);

    protected override int RecentWindowsKept => 1000;

    public Task DeliverAsync(KeyedEventBatch<TestEvent> batch) => OnNextAsync(batch);
}

/// <summary>Events per key per session (30 minutes of inactivity closes one), one hour of allowed lateness.</summary>
public sealed class SessionCountGrain : WindowedPartitionGrain<TestEvent, long, long>, ITestWindowPartition
{
    protected override string StateName => "sessions";

    protected override WindowAssigner Windows { get; } = WindowAssigner.Session(TimeSpan.FromMinutes(30));

    protected override WindowAggregate<TestEvent, long, long> Aggregate { get; } = WindowAggregates.Count<TestEvent>();

    protected override TimeSpan AllowedLateness => TimeSpan.FromHours(1);

    public Task DeliverAsync(KeyedEventBatch<TestEvent> batch) => OnNextAsync(batch);
}

/// <summary>Counts per key; a key's state expires 10 minutes (event time) after its last event.</summary>
public sealed class ExpiringCounterGrain : KeyedStatePartitionGrain<TestEvent, CounterState>, ITestPartition
{
    protected override string StateName => "expiring";

    protected override StateTimeToLive? TimeToLive { get; } = new(TimeSpan.FromMinutes(10));

    protected override void Apply(string key, CounterState state, TestEvent item, in StreamEventInfo info) => state.Count++;

    public Task DeliverAsync(KeyedEventBatch<TestEvent> batch) => OnNextAsync(batch);

    public Task<DateTimeOffset?> GetWatermarkAsync() => Task.FromResult(Watermark);

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

/// <summary>Each event registers an event-time timer at its Value (ms); a firing emits a row and counts (a key starting with 'bad-' throws instead).</summary>
public sealed class TimerLogGrain : KeyedStatePartitionGrain<TestEvent, CounterState, FiredRow>, ITestPartition
{
    protected override string StateName => "timer-log";

    protected override void Apply(string key, CounterState state, TestEvent item, in StreamEventInfo info) =>
        RegisterTimer(TimeDomain.EventTime, DateTimeOffset.FromUnixTimeMilliseconds(item.Value));

    protected override void OnTimer(string key, CounterState state, in TimerFiring timer)
    {
        if (key.StartsWith("bad-", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"no timer for {key}");
        }

        state.Count++;
        Emit(new FiredRow(key, timer.Time.ToUnixTimeMilliseconds()));
    }

    public Task DeliverAsync(KeyedEventBatch<TestEvent> batch) => OnNextAsync(batch);

    public Task<DateTimeOffset?> GetWatermarkAsync() => Task.FromResult(Watermark);

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

/// <summary>Events per key per minute, for parts a rescale put together (only <see cref="RescaledPartsTests"/> uses it).</summary>
public sealed class PartsTumblingGrain : WindowedPartitionGrain<TestEvent, long, long>, ITestWindowPartition
{
    protected override string StateName => "parts-tumbling";

    protected override WindowAssigner Windows { get; } = WindowAssigner.Tumbling(TimeSpan.FromMinutes(1));

    protected override WindowAggregate<TestEvent, long, long> Aggregate { get; } = WindowAggregates.Count<TestEvent>();

    public Task DeliverAsync(KeyedEventBatch<TestEvent> batch) => OnNextAsync(batch);
}

/// <summary>Counts per key, without a merge of parts (only <see cref="RescaledPartsTests"/> uses it).</summary>
public sealed class PartsCounterGrain : KeyedStatePartitionGrain<TestEvent, CounterState>, ITestPartition
{
    protected override string StateName => "parts-counter";

    protected override void Apply(string key, CounterState state, TestEvent item, in StreamEventInfo info) => state.Count++;

    public Task DeliverAsync(KeyedEventBatch<TestEvent> batch) => OnNextAsync(batch);

    public Task<DateTimeOffset?> GetWatermarkAsync() => Task.FromResult(Watermark);

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
