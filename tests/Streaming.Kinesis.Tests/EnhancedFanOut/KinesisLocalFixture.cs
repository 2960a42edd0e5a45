using KinesisGrains.Kinesis.Client;
using KinesisGrains.Testing;
using KinesisGrains.Tests.Support;

namespace KinesisGrains.Tests.EnhancedFanOut;

/// <summary>One kinesis-local (the emulator with SubscribeToShard) per test class, on a free port of 127.0.0.1.</summary>
public sealed class KinesisLocalFixture : IDisposable
{
    private readonly EmulatorEnvironment _environment = EmulatorEnvironment.Start("kinesis-local");

    public Uri Endpoint => _environment.KinesisLocal;

    public KinesisClient CreateClient(Action<KinesisClientOptions>? configure = null)
    {
        var options = TestOptions.For(Endpoint);
        configure?.Invoke(options);
        return new KinesisClient(options);
    }

    public void Dispose() => _environment.Dispose();
}
