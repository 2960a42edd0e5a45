using Orleans;

namespace KinesisGrains.Benchmarks.Receiver;

/// <summary>The JSON payload the receiver benchmark writes: about 100 bytes, like a clickstream event.</summary>
[GenerateSerializer, Immutable]
public sealed record ReceiverClick(
    [property: Id(0)] string UserId,
    [property: Id(1)] string Type,
    [property: Id(2)] int Bytes,
    [property: Id(3)] DateTimeOffset Timestamp);
