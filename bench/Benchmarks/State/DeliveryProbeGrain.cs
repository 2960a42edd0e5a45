using KinesisGrains.Abstractions.Streams;
using Orleans;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace KinesisGrains.Benchmarks.State;

/// <summary>
/// Subscribed like a partition grain (implicitly, integer key p) but only counts the events it is handed: no per-key
/// logic, no RocksDB. The same run with it instead of <see cref="CounterPartitionGrain"/> prices one Orleans delivery.
/// </summary>
[ImplicitStreamSubscription(IDeliveryProbe.StreamNamespace)]
public sealed class DeliveryProbeGrain(RunProgress progress) : Grain, IDeliveryProbe, IStreamSubscriptionObserver, IAsyncObserver<KeyedEventBatch<long>>
{
    public Task PingAsync() => Task.CompletedTask;

    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        handleFactory.Create<KeyedEventBatch<long>>().ResumeAsync(this);

    public Task OnNextAsync(KeyedEventBatch<long> item, Orleans.Streams.StreamSequenceToken? token = null)
    {
        progress.Add(item.Count);
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
}
