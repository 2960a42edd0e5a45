using Orleans;

namespace KinesisGrains.Benchmarks.State;

/// <summary>The stream consumer that does nothing with what Orleans delivers: the cost of delivery alone.</summary>
public interface IDeliveryProbe : IGrainWithIntegerKey
{
    public const string StreamNamespace = "bench-deliveries";

    /// <summary>Activates the grain before timing starts.</summary>
    Task PingAsync();
}
