using KinesisGrains.Abstractions.Monitoring;
using Orleans;

namespace KinesisGrains.Abstractions.KeyedState;

/// <summary>A partition's answer once a barrier's epoch is durable and its rows are handed to the sinks.</summary>
/// <param name="SnapshotBytes">The bytes the epoch's snapshot uploaded.</param>
/// <param name="Sinks">What each sink of the partition's state committed since the previous answer; null without sinks.</param>
[GenerateSerializer, Immutable]
public sealed record PartitionDurableResult([property: Id(0)] long SnapshotBytes, [property: Id(1)] IReadOnlyList<SinkProgress>? Sinks);
