using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using KinesisGrains.Sinks.DynamoDB;
using KinesisGrains.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace KinesisGrains.Tests.DynamoDBSinks;

/// <summary>One dynalite per test class; each test writes to a table of its own, which its sink creates.</summary>
public sealed class DynaliteSinkFixture : IDisposable
{
    public const string StateName = "user-activity";

    private readonly EmulatorEnvironment _environment = EmulatorEnvironment.Start("dynalite");

    public DynaliteSinkFixture()
    {
        Client = new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig { ServiceURL = Endpoint.ToString() });
    }

    public Uri Endpoint => _environment.DynamoDB;

    /// <summary>A plain SDK client, as a user reads the table.</summary>
    public IAmazonDynamoDB Client { get; }

    public static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    /// <summary>Options of a sink named <paramref name="name"/> on a new table, created on first commit, with quick retries.</summary>
    public DynamoDBSinkOptions Options(string name, Action<DynamoDBSinkOptions>? configure = null)
    {
        var options = new DynamoDBSinkOptions
        {
            Name = name,
            StateName = StateName,
            Table = "sink-" + name,
            ServiceUrl = Endpoint,
            AccessKeyId = "local",
            SecretAccessKey = "local",
            CreateTableIfMissing = true,
            RetryBaseDelay = TimeSpan.FromMilliseconds(2),
            MaxRetryDelay = TimeSpan.FromMilliseconds(20),
        };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>A sink writing through <paramref name="dynamo"/> (a fault wrapper), or its own client.</summary>
    internal static DynamoDBSink Sink(DynamoDBSinkOptions options, IAmazonDynamoDB? dynamo = null) =>
        dynamo is null
            ? new DynamoDBSink(options, NullLogger<DynamoDBSink>.Instance)
            : new DynamoDBSink(options, dynamo, NullLogger<DynamoDBSink>.Instance);

    /// <summary>The item of <paramref name="key"/> read with GetItem, or null.</summary>
    public async Task<Dictionary<string, AttributeValue>?> ItemAsync(string table, string key, string keyAttribute = "key")
    {
        var response = await Client.GetItemAsync(new GetItemRequest
        {
            TableName = table,
            Key = new() { [keyAttribute] = new AttributeValue { S = key } },
            ConsistentRead = true,
        });
        return response.Item is { Count: > 0 } item ? item : null;
    }

    /// <summary>Every item of a table, the sink's progress items included.</summary>
    public async Task<List<Dictionary<string, AttributeValue>>> ScanAsync(string table)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await Client.ScanAsync(new ScanRequest { TableName = table, ExclusiveStartKey = start, ConsistentRead = true });
            items.AddRange(page.Items ?? []);
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return items;
    }

    public void Dispose()
    {
        Client.Dispose();
        _environment.Dispose();
    }
}
