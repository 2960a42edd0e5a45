using KinesisGrains.Kinesis.Client;
using KinesisGrains.Testing;
using KinesisGrains.Tests.Support;

namespace KinesisGrains.Tests.Kpl;

/// <summary>One kinesalite for the KPL end-to-end tests (kinesis-local is not needed, and is slow to start).</summary>
public sealed class KinesaliteFixture : IDisposable
{
    private readonly EmulatorEnvironment _environment = EmulatorEnvironment.Start("kinesalite");

    public KinesisClient CreateClient() => new(TestOptions.For(_environment.Kinesis));

    public void Dispose() => _environment.Dispose();
}
