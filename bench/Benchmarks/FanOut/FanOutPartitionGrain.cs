using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Benchmarks.State;
using KinesisGrains.KeyedState.Partitions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans;

namespace KinesisGrains.Benchmarks.FanOut;

/// <summary>Counts each key's records and tallies every record applied under its silo's application.</summary>
[ImplicitStreamSubscription(IFanOutPartition.StreamNamespace)]
public sealed class FanOutPartitionGrain : KeyedStatePartitionGrain<FanOutEvent, CounterState>, IFanOutPartition
{
    private ApplicationTally? _tally;

    protected override string StateName => "fan-out";

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var application = ServiceProvider.GetRequiredService<IConfiguration>()["Silo:ApplicationName"]
            ?? throw new InvalidOperationException("The silo has no Silo:ApplicationName.");
        _tally = ApplicationTally.Of(application);
        return base.OnActivateAsync(cancellationToken);
    }

    protected override void Apply(string key, CounterState state, FanOutEvent item, in StreamEventInfo info)
    {
        state.Count++;
        _tally!.Applied();
    }
}
