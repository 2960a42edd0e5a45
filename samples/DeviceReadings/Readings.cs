using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.KeyedState;
using KinesisGrains.KeyedState.Partitions;
using Orleans.Concurrency;

namespace DeviceReadings;

/// <summary>One reading, as JSON in a Kinesis record whose partition key is the device id.</summary>
[GenerateSerializer, Immutable]
public sealed record Reading([property: Id(0)] string DeviceId, [property: Id(1)] double Temperature, [property: Id(2)] DateTimeOffset Timestamp);

/// <summary>What the application keeps per device.</summary>
[GenerateSerializer]
public sealed class DeviceStats
{
    [Id(0)] public long Count { get; set; }
    [Id(1)] public double Sum { get; set; }
    [Id(2)] public double Min { get; set; } = double.MaxValue;
    [Id(3)] public double Max { get; set; } = double.MinValue;
    [Id(4)] public DateTimeOffset? Last { get; set; }
}

/// <summary>A partition grain of the device states, as callers see it.</summary>
public interface IDeviceStatsPartition : IKeyedStatePartition<DeviceStats>
{
    /// <summary>The Orleans stream namespace the provider delivers the readings on.</summary>
    const string StreamNamespace = "readings";
}

/// <summary>Folds each reading into its device's state; the partition applies every record exactly once.</summary>
[ImplicitStreamSubscription(IDeviceStatsPartition.StreamNamespace)]
public sealed class DeviceStatsPartitionGrain : KeyedStatePartitionGrain<Reading, DeviceStats>, IDeviceStatsPartition
{
    protected override string StateName => "device-stats";

    protected override void Apply(string key, DeviceStats state, Reading reading, in StreamEventInfo info)
    {
        state.Count++;
        state.Sum += reading.Temperature;
        state.Min = Math.Min(state.Min, reading.Temperature);
        state.Max = Math.Max(state.Max, reading.Temperature);
        state.Last = reading.Timestamp;
    }
}

/// <summary>A device's aggregate, for clients.</summary>
[GenerateSerializer, Immutable]
public sealed record DeviceSummary(
    [property: Id(0)] string DeviceId, [property: Id(1)] long Count, [property: Id(2)] double Sum,
    [property: Id(3)] double? Min, [property: Id(4)] double? Max);

/// <summary>A device's readings as a client asks for them: <c>client.GetGrain&lt;IDevice&gt;("device-7").GetSummaryAsync()</c>.</summary>
public interface IDevice : IGrainWithStringKey
{
    Task<DeviceSummary> GetSummaryAsync();
}

/// <summary>Answers from the partition grain that holds the device's state, wherever it lives.</summary>
[StatelessWorker]
public sealed class DeviceGrain(KeyedStateOptions options) : Grain, IDevice
{
    public async Task<DeviceSummary> GetSummaryAsync()
    {
        var id = this.GetStateKey();
        var stats = await GrainFactory.GetPartitionOf<IDeviceStatsPartition>(id, options.PartitionCount).GetAsync(id);
        return stats is null
            ? new DeviceSummary(id, 0, 0, null, null)
            : new DeviceSummary(id, stats.Count, stats.Sum, stats.Min, stats.Max);
    }
}
