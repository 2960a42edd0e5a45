using KinesisGrains.Kinesis.Client;
using KinesisGrains.Sinks.Kinesis;
using KinesisGrains.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace KinesisGrains.Tests.KinesisSinks;

/// <summary>One kinesalite per test class; each test puts into a stream of its own.</summary>
public sealed class KinesaliteSinkFixture : IDisposable
{
    public const string StateName = "user-activity";

    private readonly EmulatorEnvironment _environment = EmulatorEnvironment.Start("kinesalite");

    public KinesaliteSinkFixture()
    {
        Client = new KinesisClient(ClientOptions());
    }

    public Uri Endpoint => _environment.Kinesis;

    /// <summary>A client of our own Kinesis library, to create streams and read records back.</summary>
    public KinesisClient Client { get; }

    public static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    public KinesisClientOptions ClientOptions() => new()
    {
        ServiceUrl = Endpoint,
        AccessKeyId = "local",
        SecretAccessKey = "local",
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
    };

    /// <summary>A new ACTIVE stream of <paramref name="shards"/> shards, and sink options putting into it.</summary>
    public async Task<KinesisSinkOptions> NewStreamAsync(string name, int shards = 2, Action<KinesisSinkOptions>? configure = null)
    {
        var stream = "sink-" + name;
        await Client.CreateStreamAsync(stream, shards);
        await Client.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30));
        var options = new KinesisSinkOptions
        {
            Name = name,
            StateName = StateName,
            StreamName = stream,
            ServiceUrl = Endpoint,
            AccessKeyId = "local",
            SecretAccessKey = "local",
            RetryBaseDelay = TimeSpan.FromMilliseconds(2),
            MaxRetryDelay = TimeSpan.FromMilliseconds(20),
        };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>A sink sending through <paramref name="handler"/> (a fault injector around kinesalite), or with its own client.</summary>
    internal KinesisSink Sink(KinesisSinkOptions options, HttpMessageHandler? handler = null) =>
        handler is null
            ? new KinesisSink(options, NullLogger<KinesisSink>.Instance)
            : new KinesisSink(options, new KinesisClient(ClientOptions(), handler), NullLogger<KinesisSink>.Instance);

    /// <summary>Every record of the stream, shard by shard from the trim horizon.</summary>
    public async Task<List<KinesisRecord>> ReadAllAsync(string stream)
    {
        var records = new List<KinesisRecord>();
        foreach (var shard in await Client.ListShardsAsync(stream))
        {
            var iterator = await Client.GetShardIteratorAsync(stream, shard.ShardId, ShardIteratorType.TrimHorizon);
            while (iterator is not null)
            {
                var page = await Client.GetRecordsAsync(iterator);
                if (page.Records.Count == 0)
                {
                    break;
                }

                records.AddRange(page.Records);
                iterator = page.NextShardIterator;
            }
        }

        return records;
    }

    public void Dispose()
    {
        Client.Dispose();
        _environment.Dispose();
    }
}
