using System.Text;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Testing;
using KinesisGrains.Testing.Faults;
using KinesisGrains.Tests.Support;
using Xunit;

namespace KinesisGrains.Tests.Faults;

/// <summary>
/// One kinesalite per test class, with a one-shard stream holding <see cref="Payloads"/>, so tests can read real
/// records through a proxy without each creating a stream.
/// </summary>
public sealed class KinesaliteProxyFixture : IAsyncLifetime
{
    private EmulatorEnvironment? _environment;

    public static IReadOnlyList<string> Payloads { get; } = ["alpha", "beta", "gamma"];

    public Uri Kinesis => (_environment ?? throw new InvalidOperationException("Not initialized.")).Kinesis;

    public string StreamName { get; } = TestOptions.NewStreamName("faults");

    public string ShardId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _environment = EmulatorEnvironment.Start("kinesalite");
        using var client = new KinesisClient(TestOptions.For(Kinesis));
        var shards = await client.CreateActiveStreamAsync(StreamName, shardCount: 1);
        ShardId = shards.Single().ShardId;
        var put = await client.PutRecordsAsync(StreamName, Payloads.Select(p => new PutRecordsRequestEntry(Encoding.UTF8.GetBytes(p), p)).ToList());
        Assert.Equal(0, put.FailedRecordCount);
    }

    /// <summary>A client of the proxy; one attempt by default, so that the client does not hide faults by retrying.</summary>
    public static KinesisClient ClientOf(FaultInjectingProxy proxy, int maxAttempts = 1, TimeSpan? requestTimeout = null)
    {
        var options = TestOptions.For(proxy.Endpoint);
        options.MaxAttempts = maxAttempts;
        options.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
        options.RequestTimeout = requestTimeout ?? options.RequestTimeout;
        return new KinesisClient(options);
    }

    public Task<string> TrimHorizonAsync(KinesisClient client) => client.GetShardIteratorAsync(StreamName, ShardId, ShardIteratorType.TrimHorizon);

    public static IReadOnlyList<string> Texts(GetRecordsResponse page) => page.Records.Select(r => Encoding.UTF8.GetString(r.Data)).ToList();

    public Task DisposeAsync()
    {
        _environment?.Dispose();
        return Task.CompletedTask;
    }
}
