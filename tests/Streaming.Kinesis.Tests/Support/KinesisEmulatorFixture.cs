using KinesisGrains.Kinesis.Client;
using KinesisGrains.Testing;

namespace KinesisGrains.Tests.Support;

/// <summary>One kinesalite and one kinesis-local per test class.</summary>
public sealed class KinesisEmulatorFixture : IDisposable
{
    public const string Kinesalite = "kinesalite";
    public const string KinesisLocal = "kinesis-local";

    private readonly EmulatorEnvironment _environment = EmulatorEnvironment.Start(Kinesalite, KinesisLocal);

    public Uri Endpoint(string emulator) => emulator switch
    {
        Kinesalite => _environment.Kinesis,
        KinesisLocal => _environment.KinesisLocal,
        _ => throw new ArgumentOutOfRangeException(nameof(emulator), emulator, null),
    };

    public KinesisClient CreateClient(string emulator, Action<KinesisClientOptions>? configure = null, HttpMessageHandler? handler = null)
    {
        var options = TestOptions.For(Endpoint(emulator));
        configure?.Invoke(options);
        return handler is null ? new KinesisClient(options) : new KinesisClient(options, handler);
    }

    public void Dispose() => _environment.Dispose();
}
